// Package tenantry is the vocabulary of schema-per-tenant multi-tenancy on
// PostgreSQL: the Tenant and its Status, the rules for slugs, schema names,
// domains and Host headers, the errors callers match with errors.Is and
// errors.As, and the context helpers that carry a resolved tenant through a
// request.
//
// The capabilities live in the packages below this one: registry (tenants and
// domains, cached Host lookup), tenantdb (isolated tenant transactions),
// migrate and fleet (schema migrations, one schema or ten thousand), provision
// (creating and deleting tenants), tenanthttp (routing a request to its
// tenant) and auth (users and passwords).
package tenantry
