package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/provision"
)

// DefaultSchemas is the number of tenant schemas Fleet creates by default.
const DefaultSchemas = 1000

// DefaultParallel is Fleet's default number of schemas migrated at once,
// chosen by measuring 1, 2, 4 and 8 on a 2-core machine.
const DefaultParallel = 4

// Targets of DESIGN.md for fleet migrations.
const (
	FleetRateTarget = 200.0       // schemas per second, adding a column and a table
	NoOpTarget      = time.Second // a run with nothing to apply, at NoOpTargetAt schemas
	NoOpTargetAt    = 10_000      // the number of schemas NoOpTarget is set for
)

// FleetResult holds the figures of Fleet.
type FleetResult struct {
	Tables   int           // tables of the synthetic application
	Schemas  int           // tenant schemas in the fleet
	Parallel int           // schemas migrated at once
	Setup    time.Duration // provisioning the tenants before measuring

	Select    time.Duration // choosing the schemas (fleet.Select) before the change
	Migrate   time.Duration // the fleet migration of the change (fleet.Report.Duration)
	Rate      float64       // schemas migrated per second of Migrate
	PerSchema Stats         // each schema's migration, as the report times it
	Changed   int           // schemas the change was applied to
	Failed    int           // schemas the change failed in
	Migrated  int           // tenant schemas holding the change's table afterwards

	NoOpSelect  time.Duration // choosing the schemas again
	NoOpMigrate time.Duration // the second migration, with nothing to apply
	UpToDate    int           // schemas the second migration found current
}

// NoOp is the whole second run, as `tenantry migrate` does it: selecting the
// schemas, then migrating with nothing to apply.
func (r *FleetResult) NoOp() time.Duration { return r.NoOpSelect + r.NoOpMigrate }

// Fleet creates a database with schemas tenant schemas (default
// DefaultSchemas) of the synthetic application, provisioned a few at a time
// (the setup, timed apart), then times a fleet migration that adds a column
// to one table and adds a table, with parallel workers (default
// DefaultParallel), and a second migration with nothing to apply. It prints
// the figures against the targets to Config.Out and returns them. A schema
// that fails to migrate is counted in FleetResult.Failed, not returned as an
// error. The database is dropped at the end unless Config.Keep; an error
// dropping it is returned with the figures.
func Fleet(ctx context.Context, cfg *Config, schemas, parallel int) (res *FleetResult, err error) {
	if schemas <= 0 {
		schemas = DefaultSchemas
	}
	if parallel <= 0 {
		parallel = DefaultParallel
	}
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
	set, err := appSet(res.Tables)
	if err != nil {
		return err
	}
	changed, err := changedSet(set)
	if err != nil {
		return err
	}
	p := provision.New(s.pool, &provision.Config{TenantMigrations: set})
	if res.Setup, err = populate(ctx, s, p, res.Schemas, setupWorkers); err != nil {
		return err
	}
	f := fleet.New(s.pool, &fleet.Config{Tenant: changed, Logger: s.cfg.Logger})
	if err := s.migrateChange(ctx, f, res); err != nil {
		return err
	}
	if err := s.migrateNothing(ctx, f, res); err != nil {
		return err
	}
	res.Migrated, err = s.countMigrated(ctx)
	return err
}

// migrateChange selects the tenant schemas and applies the change to them.
func (s *session) migrateChange(ctx context.Context, f *fleet.Fleet, res *FleetResult) error {
	report, sel, err := selectAndMigrate(ctx, f, res.Parallel)
	if err != nil {
		return err
	}
	res.Select, res.Migrate = sel, report.Duration
	res.Rate = perSecond(report.Changed, report.Duration)
	res.Changed, res.Failed = report.Changed, report.Failed
	res.PerSchema = summarize(durations(report))
	for _, r := range report.Failures() {
		s.cfg.Logger.Error("schema failed", "schema", r.Schema, "err", r.Error)
	}
	return nil
}

// migrateNothing runs the fleet migration again, with nothing left to do.
func (s *session) migrateNothing(ctx context.Context, f *fleet.Fleet, res *FleetResult) error {
	report, sel, err := selectAndMigrate(ctx, f, res.Parallel)
	if err != nil {
		return err
	}
	res.NoOpSelect, res.NoOpMigrate, res.UpToDate = sel, report.Duration, report.UpToDate
	return nil
}

// selectAndMigrate does what `tenantry migrate --tenant-schemas --parallel
// N` does, and returns the report and the time the selection took.
func selectAndMigrate(ctx context.Context, f *fleet.Fleet, parallel int) (*fleet.Report, time.Duration, error) {
	start := time.Now()
	schemas, err := f.Select(ctx, fleet.Selector{Tenant: true})
	if err != nil {
		return nil, 0, fmt.Errorf("bench: select tenant schemas: %w", err)
	}
	sel := time.Since(start)
	report, err := f.Migrate(ctx, schemas, &fleet.Options{Parallel: parallel})
	if err != nil {
		return nil, 0, fmt.Errorf("bench: migrate %d schemas: %w", len(schemas), err)
	}
	return report, sel, nil
}

func durations(report *fleet.Report) []time.Duration {
	ds := make([]time.Duration, 0, len(report.Results))
	for _, r := range report.Results {
		ds = append(ds, r.Duration)
	}
	return ds
}

// countMigrated counts the tenant schemas that hold the change's table and
// record its version in the fleet summary.
func (s *session) countMigrated(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM public.tenantry_schema_state st
		JOIN pg_namespace ns ON ns.nspname = st.schema_name
		JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = 'app_tags'
		WHERE st.kind = 'dynamic' AND st.version = $1`, changeVersion).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("bench: count migrated schemas: %w", err)
	}
	return n, nil
}
