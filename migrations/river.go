package migrations

// RiverSchema is the schema that holds River's job queue tables. The shared
// set creates them there: shared/0005_river.sql and any later
// shared/NNNN_river_vX.sql are River's own migrations (line "main") rendered
// for this schema and recorded in its river_migration table, so that
// River's tooling (rivermigrate) sees them applied. Every River client and
// migrator must be given this schema explicitly (river.Config.Schema,
// rivermigrate.Config.Schema): left to search_path, a job inserted inside a
// tenant transaction would look for river_job in the tenant's schema.
//
// The River files are generated, never edited by hand: go generate
// ./migrations renders them from the River version in go.mod, and
// TestRiverMigrationsCurrent fails when a committed file differs from what
// that version renders, or when River has versions no file applies yet.
const RiverSchema = "public"

//go:generate go test . -run TestRiverMigrationsCurrent -update
