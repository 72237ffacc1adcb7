// Package provision creates and deletes tenants and keeps the spare pool.
//
// Creating a tenant is one transaction: the registry row, the tenant's
// NOLOGIN role, its schema with every tenant migration, its primary domain,
// its first user and its row in the fleet summary. PostgreSQL's DDL is
// transactional, so a failure at any step leaves nothing behind, and two
// concurrent creates of one slug end with one tenant and one clear
// tenantry.ErrTenantExists. Create runs its own transaction; CreateTx runs
// in the caller's, for flows that write their own rows with the tenant.
//
// Deleting is not one transaction: a DROP SCHEMA ... CASCADE locks every
// object it drops, and for a tenant with thousands of tables that is more
// than PostgreSQL's shared lock table holds (max_locks_per_transaction times
// the number of backends), which then fails every other transaction that
// needs a lock too. Delete marks the tenant deleting, drops its objects in
// steps within a share of that table, and removes the schema, role and
// registry rows last; see Delete.
//
// # Spare pool
//
// Migrating a new schema costs a create most of its time. With
// Config.Spares set, Refill keeps that many spares: schemas named
// _tenantry_spare_<n>, made by the login role with a NOLOGIN role of their
// own (tenantry_spare_<database oid>_<n>, granted as a tenant's role is),
// migrated with the tenant set and recorded in public.tenantry_schema_state
// as kind spare, so that fleet runs migrate them with the tenants. A create
// then claims one (SELECT ... FOR UPDATE SKIP LOCKED: concurrent creates take
// different spares and never wait), checks the spare's own ledger, and
// renames the schema to tenant_<slug> and its role to the tenant's, which
// leaves them as a new schema and role would be: same tables, owners,
// privileges and default privileges, since those name roles and schemas by
// oid. A spare made without a role (by an earlier version, or with the
// role layer off) is granted to the tenant's new role at the claim instead. Without a usable spare the create migrates a new schema as
// before. Config.OnClaim lets a server enqueue a refill in the creating
// transaction.
package provision
