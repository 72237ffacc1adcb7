// Package bench measures Tenantry against the performance targets of
// docs/design.md on a real PostgreSQL server: provisioning of a tenant with a
// synthetic 40-table application, cold and from the spare pool
// (Provision), fleet migrations across many
// tenant schemas, a change and then a run with nothing to apply (Fleet), and
// the fleet migration's throughput by parallelism (Sweep).
//
// The synthetic application is the reference tenant set plus one migration
// of Config.Tables tables, each with text, integer, numeric, boolean, jsonb
// and timestamptz columns, a foreign key to the table before it and an
// index on that key. The fleet change adds a column to one table and a new
// table with a foreign key and an index.
//
// Each run creates its own database, tenantry_bench_<random>, next to the
// maintenance database of Config.AdminURL, and drops it and its tenants'
// roles at the end unless Config.Keep is set: the login needs CREATEDB and
// CREATEROLE, and preferably the right to CHECKPOINT (superuser or
// pg_checkpoint), which Fleet and Sweep use to keep the fsync of the setup's
// files out of the measurements. Figures are printed to Config.Out and
// returned. The package makes no assertions on timing: it reports, and
// compares with the targets. Timings on a shared machine vary with its load;
// run on a quiet one.
package bench
