// Package jobs runs Tenantry's background jobs on River, aware of tenants.
//
// River's tables live in the public schema (the shared migrations create
// them) and every client made here names that schema explicitly, so a job
// can be enqueued from any transaction whatever its search_path: the
// signup's, or a public-schema transaction of the caller's. A job enqueued
// in a transaction exists only if that transaction commits.
//
// A tenant job is one whose arguments embed TenantArgs. Before its worker
// runs, the tenant is read afresh from the registry; a tenant that no longer
// exists or is not active (suspended, terminated) has its job cancelled,
// never run. Otherwise the worker runs inside the tenant's isolated
// transaction (tenantdb.DB.InTenant), reachable with Tx(ctx), with the
// tenant in the context (tenantry.FromContext): what the worker writes is
// committed if it returns nil and rolled back if it fails, and River retries
// failed jobs with exponential backoff.
//
// Jobs are delivered at least once: a job whose process dies after its work
// committed runs again. Workers and seed hooks must be idempotent.
//
// The built-in jobs send email (EmailArgs), welcome a tenant's new user
// (WelcomeArgs), run the application's seed hooks in a new tenant
// (SeedArgs) and refill the provisioner's spare schemas (RefillArgs, also
// run periodically). Applications add their own with AppWorker.
package jobs
