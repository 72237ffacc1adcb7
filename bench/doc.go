// Package bench measures Tenantry against the performance targets of
// DESIGN.md on a real PostgreSQL server: cold provisioning of a tenant with
// a synthetic 40-table application, and fleet migrations across many tenant
// schemas (a change, then a run with nothing to apply).
//
// Each run creates its own database, tenantry_bench_<random>, next to the
// maintenance database of Config.AdminURL, and drops it and its tenants'
// roles at the end unless Config.Keep is set. Figures are printed to
// Config.Out and returned, so that `tenantry bench provision|fleet` and
// scripts can use them. The package makes no assertions on timing: it
// reports, and compares with the targets.
package bench
