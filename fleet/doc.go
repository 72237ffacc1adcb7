// Package fleet migrates, inspects and runs SQL across every schema of a
// database: public, the static schemas, every tenant's schema and the spare
// schemas waiting to become tenants.
//
// Schemas are chosen with a Selector, after django-pgschemas (-s, -x,
// --all-schemas, --static-schemas, --dynamic-schemas, --tenant-schemas).
// Migrate reads the fleet summary table public.tenantry_schema_state once to
// skip every schema already at the latest version, so a run with nothing to
// do costs one query whatever the number of schemas. The rest are migrated by
// a bounded pool of workers, one transaction per schema: a failing schema is
// recorded (version, error) and left at its last good version while the
// others go on, and a later run resumes where this one stopped. Each schema's
// advisory lock keeps two concurrent runs from applying a migration twice.
package fleet
