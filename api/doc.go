// Package api is Tenantry's reference HTTP server: the health endpoints,
// the public site on the fallback domains, and the tenant API on every
// tenant's host, each request resolved to its tenant by tenanthttp and
// logged as one JSON line carrying the request id and the tenant.
//
// NewHandler returns the whole server as one http.Handler; the tenantry
// binary serves it, and an application can mount it beside its own routes.
package api
