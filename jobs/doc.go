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
// never run. Otherwise the worker runs with the tenant in the context
// (tenantry.FromContext) and opens the tenant's isolated transactions with
// InTenant, one short transaction for each piece of database work: what one
// writes is committed if its function returns nil and rolled back if it
// fails. A failed job is retried by River with exponential backoff.
//
// No job holds a database connection while it waits on the network: the
// welcome job reads the user in one transaction, commits, and only then
// talks to the SMTP server. Each kind of job has a timeout (Timeouts), and
// a job left running by a process that died is rescued, and retried, once
// it has been running for Config.RescueAfter (by default the longest
// timeout plus 2 minutes).
//
// Jobs are delivered at least once: a job whose process dies after its work
// committed runs again. Workers and seed hooks must be idempotent.
//
// The built-in jobs send email (EmailArgs), welcome a tenant's new user
// (WelcomeArgs), run the application's seed hooks in a new tenant
// (SeedArgs), refill the provisioner's spare schemas (RefillArgs, also
// run periodically) and purge terminated tenants past their date
// (PurgeArgs, run periodically). Applications add their own with
// AppWorker, as the server does for the domains package's checks.
package jobs
