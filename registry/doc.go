// Package registry keeps the tenant registry in the public schema (tables
// tenants and domains) and answers "which tenant is this host?" from an
// in-memory cache.
//
// Every change to a tenant or its domains fires a NOTIFY on the channel
// tenantry_registry (a trigger does it, whoever changes the row); Listen
// holds a session connection that receives them and drops the cached entries
// of that tenant, so a suspension made by one process is seen by every
// running server within a moment. While Listen is not connected the cache
// falls back to a one-second lifetime, so changes are never missed for long.
package registry
