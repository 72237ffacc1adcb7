// Package tenanthttp resolves the tenant of an HTTP request from its Host
// header and enforces the tenant's status. It is plain net/http: Middleware
// wraps any http.Handler, whatever router sits behind it.
//
// For each request the middleware normalises the host (port, case and
// trailing dot; see tenantry.NormalizeHost) and then:
//
//   - an invalid host gets 400, with the rule it breaks;
//   - a configured fallback domain (such as localhost) goes to Config.Public,
//     with no tenant in the context;
//   - an IP address, a host that no tenant serves, or a tenant being deleted
//     (tenantry.StatusDeleting) gets 404, the same answer for all three;
//   - a suspended tenant gets 503 with Retry-After, a terminated one 503
//     without it; an active tenant in maintenance (Tenant.Maintenance) 503
//     with Retry-After (Config.MaintenanceRetryAfter);
//   - a lookup that fails because the database is unreachable gets 503
//     "database unavailable, retry shortly" with Retry-After (see
//     WriteDatabaseUnavailable); any other failed lookup gets 500
//     "internal error", and is logged;
//   - an active tenant's request goes to the next handler, with the tenant in
//     its context (Tenant, tenantry.FromContext).
//
// Every error is an RFC 9457 problem document (application/problem+json)
// written by WriteProblem. No body names a tenant other than the one the
// host belongs to, and a host that maps to no tenant never reaches a
// tenant's handler nor the public one.
//
// The middleware does not cache: the Resolver does (registry.Registry keeps
// an in-memory cache invalidated by LISTEN/NOTIFY), so a suspension is seen
// by the next request.
package tenanthttp
