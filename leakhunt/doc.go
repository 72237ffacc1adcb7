// Package leakhunt hunts for isolation leaks under load. It creates tenants
// whose every row carries the tenant's marker (mk-<slug>-<hex>), serves the
// reference API (api.NewHandler) on a loopback port, and drives concurrent
// clients through a random mix of endpoints, tenants and roles, with errors
// in the middle of transactions: invalid input, requests the database
// refuses, client disconnects, very short timeouts, savepoint rollbacks,
// panics and failed statements inside the library's tenant transactions.
//
// Every response and every row read is checked. A marker of another tenant,
// another tenant's item served by id, a row without its tenant's marker, a
// transaction bound to the wrong schema, role or tenant id, or a pooled
// connection that kept a tenant's settings is a leak; a 5xx, or a line in
// the HTTP server's error log (such as a superfluous WriteHeader), is an
// error.
// Run returns a Report of both, with counts by action and status.
//
// The test of this package runs a short hunt; "tenantry bench isolation"
// runs long ones.
package leakhunt
