// Package tenantdb runs database work inside one tenant, and creates and
// drops the schema and role that hold a tenant's data.
//
// The only way this library touches a tenant's data is DB.InTenant: one
// transaction that begins, in the same round trip, by setting a
// transaction-local search_path ("tenant_acme", public), the
// transaction-local setting tenantry.tenant_id, and (unless the role layer is
// turned off) the transaction-local role of the tenant's own NOLOGIN role.
// All three end with the transaction, committed or rolled back, so a pooled
// connection, or a PgBouncer server connection in transaction mode, never
// carries one tenant's binding into another's work. Under the tenant's role a
// query that names another tenant's schema fails with "permission denied",
// whether the application logs in as a superuser or not.
package tenantdb
