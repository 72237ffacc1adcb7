// Package provision creates and deletes tenants.
//
// Creating a tenant is one transaction: the registry row, the tenant's
// NOLOGIN role, its schema with every tenant migration, its primary domain,
// its first user and its row in the fleet summary. PostgreSQL's DDL is
// transactional, so a failure at any step leaves nothing behind, and two
// concurrent creates of one slug end with one tenant and one clear
// tenantry.ErrTenantExists. Deleting is one transaction too.
package provision
