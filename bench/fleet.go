package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/provision"
)

// DefaultSchemas is the number of tenant schemas Fleet creates by default.
const DefaultSchemas = 1000

// DefaultParallel is Fleet's default number of schemas migrated at once.
// Sweep on a quiet 2-core machine with PostgreSQL 15 found 4 the fastest:
// the work waits on fsync as much as it computes, so twice the cores pays,
// while 8 loses to contention.
const DefaultParallel = 4

// Targets of docs/design.md for fleet migrations.
const (
	FleetRateTarget = 250.0       // schemas per second, adding a column and a table
	NoOpTarget      = time.Second // a run with nothing to apply, at NoOpTargetAt schemas
	NoOpTargetAt    = 10_000      // the number of schemas NoOpTarget is set for
)

// FleetResult holds the figures of Fleet.
type FleetResult struct {
	Tables   int           // tables of the synthetic application
	Schemas  int           // tenant schemas in the fleet
	Parallel int           // schemas migrated at once
	Setup    time.Duration // provisioning the tenants before measuring

	Change   Run // the fleet migration adding a column and a table
	Migrated int // tenant schemas holding the change afterwards

	NoOp Run // the second migration, with nothing to apply
}

// Run is one fleet migration as `tenantry migrate --tenant-schemas` does
// it: choosing the schemas, then migrating them.
type Run struct {
	Select    time.Duration   // fleet.Select
	Migrate   time.Duration   // fleet.Migrate (its report's Duration)
	PerSchema Stats           // each migrated schema's time, as the report gives it
	perSchema []time.Duration // the times PerSchema sums up, for adding runs
	Changed   int             // schemas with a migration applied
	Failed    int             // schemas whose migration failed
	UpToDate  int             // schemas found current
	Rate      float64         // Changed per second of Migrate
}

// Total is the run's whole time, selection included.
func (r Run) Total() time.Duration { return r.Select + r.Migrate }

// Fleet creates a database with schemas tenant schemas (default
// DefaultSchemas) of the synthetic application, provisioned a few at a time
// (the setup, timed apart), then times a fleet migration that adds a column
// to one table and adds a table, with parallel workers (default
// DefaultParallel), and a second migration with nothing to apply. It prints
// the figures against the targets to Config.Out and returns them. A schema
// that fails to migrate is counted in Run.Failed, not returned as an error.
// The database is dropped at the end unless Config.Keep; an error dropping
// it is returned with the figures.
func Fleet(ctx context.Context, cfg *Config, schemas, parallel int) (res *FleetResult, err error) {
	schemas, parallel = orDefault(schemas, DefaultSchemas), orDefault(parallel, DefaultParallel)
	s, err := start(ctx, cfg, max(parallel, setupWorkers)+1)
	if err != nil {
		return nil, err
	}
	defer s.end(ctx, &err)
	res = &FleetResult{Tables: s.cfg.Tables, Schemas: schemas, Parallel: parallel}
	if err := s.measureFleet(ctx, res); err != nil {
		return nil, err
	}
	res.print(s.cfg.Out)
	return res, nil
}

// measureFleet sets the fleet up and fills res.
func (s *session) measureFleet(ctx context.Context, res *FleetResult) error {
	set, err := s.setUp(ctx, res.Schemas, &res.Setup)
	if err != nil {
		return err
	}
	changed, err := changedSet(set, 1)
	if err != nil {
		return err
	}
	f := fleet.New(s.pool, &fleet.Config{Tenant: changed, Logger: s.cfg.Logger})
	if res.Change, err = s.migrateFleet(ctx, f, res.Parallel); err != nil {
		return err
	}
	if res.NoOp, err = s.migrateFleet(ctx, f, res.Parallel); err != nil {
		return err
	}
	res.Migrated, err = s.countMigrated(ctx, changed.Latest(), 1)
	return err
}

// setUp provisions tenants 1..n with the synthetic application, then
// checkpoints, storing the time it took in *took, and returns the
// application's set.
func (s *session) setUp(ctx context.Context, n int, took *time.Duration) (*migrate.Set, error) {
	set, err := appSet(s.cfg.Tables)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	p := provision.New(s.pool, &provision.Config{TenantMigrations: set})
	if err := populate(ctx, s, p, n, setupWorkers); err != nil {
		return nil, err
	}
	s.maintainCatalogs(ctx)
	s.checkpoint(ctx)
	*took = time.Since(start)
	return set, nil
}

// maintainCatalogsSQL vacuums and analyzes the system catalogs a bulk
// build grows most: a relation, its columns, types and dependencies per
// table of every tenant.
const maintainCatalogsSQL = `VACUUM (ANALYZE) pg_catalog.pg_class, pg_catalog.pg_attribute, pg_catalog.pg_type,
	pg_catalog.pg_depend, pg_catalog.pg_index, pg_catalog.pg_constraint, pg_catalog.pg_namespace, pg_catalog.pg_proc,
	pg_catalog.pg_sequence, pg_catalog.pg_attrdef, pg_catalog.pg_shdepend, pg_catalog.pg_authid, pg_catalog.pg_auth_members`

// maintainCatalogs runs maintainCatalogsSQL after a bulk build (setup,
// untimed), as autovacuum would in time, so that the measurements see
// catalogs planned from their real size rather than the statistics of an
// empty database. A catalog the user may not vacuum is skipped by
// PostgreSQL with a warning; an error is logged, not returned.
func (s *session) maintainCatalogs(ctx context.Context) {
	start := time.Now()
	if _, err := s.pool.Exec(ctx, maintainCatalogsSQL); err != nil {
		s.cfg.Logger.Warn("catalogs not vacuumed after setup: the measurements may see stale statistics", "err", err)
		return
	}
	s.cfg.Logger.Info("catalogs vacuumed and analyzed after setup", "took", time.Since(start).Round(time.Millisecond))
}

// checkpoint asks the server for a checkpoint, so that the fsync of the
// thousands of files the setup created is not left to fall, as a
// checkpoint, on the measurements. Without the right to (superuser or
// pg_checkpoint) it logs a warning and goes on.
func (s *session) checkpoint(ctx context.Context) {
	start := time.Now()
	if _, err := s.pool.Exec(ctx, "CHECKPOINT"); err != nil {
		s.cfg.Logger.Warn("no checkpoint after setup: the measurements may overlap one", "err", err)
		return
	}
	s.cfg.Logger.Info("checkpoint after setup", "took", time.Since(start).Round(time.Millisecond))
}

// migrateFleet selects the tenant schemas and migrates them with parallel
// workers, logging each failure.
func (s *session) migrateFleet(ctx context.Context, f *fleet.Fleet, parallel int) (Run, error) {
	start := time.Now()
	schemas, err := f.Select(ctx, fleet.Selector{Tenant: true})
	if err != nil {
		return Run{}, fmt.Errorf("bench: select tenant schemas: %w", err)
	}
	run := Run{Select: time.Since(start)}
	report, err := f.Migrate(ctx, schemas, &fleet.Options{Parallel: parallel})
	if err != nil {
		return Run{}, fmt.Errorf("bench: migrate %d schemas: %w", len(schemas), err)
	}
	run.Migrate, run.Changed, run.Failed, run.UpToDate = report.Duration, report.Changed, report.Failed, report.UpToDate
	run.Rate = perSecond(report.Changed, report.Duration)
	run.perSchema = migrated(report)
	run.PerSchema = summarize(run.perSchema)
	for _, r := range report.Failures() {
		s.cfg.Logger.Error("schema migration failed", "schema", r.Schema, "err", r.Error)
	}
	return run, nil
}

// migrated returns the durations of the schemas the report's run worked
// on, leaving out those the fleet summary showed current.
func migrated(report *fleet.Report) []time.Duration {
	ds := make([]time.Duration, 0, len(report.Results))
	for _, r := range report.Results {
		if !r.Skipped {
			ds = append(ds, r.Duration)
		}
	}
	return ds
}

// countMigrated counts the tenant schemas whose fleet summary records
// version and that hold the table of change k.
func (s *session) countMigrated(ctx context.Context, version, k int) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM public.tenantry_schema_state st
		JOIN pg_namespace ns ON ns.nspname = st.schema_name
		JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = $2
		WHERE st.kind = 'dynamic' AND st.version = $1`, version, fmt.Sprintf("app_tags_%d", k)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("bench: count migrated schemas: %w", err)
	}
	return n, nil
}

// orDefault returns v, or def when v is not positive.
func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}
