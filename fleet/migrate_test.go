package fleet_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/examples/items"
	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/migrations"
	"github.com/tenantry/tenantry/tenanttest"
)

func migrateOK(t *testing.T, f *fleet.Fleet, schemas []fleet.Schema, opts *fleet.Options) *fleet.Report {
	t.Helper()
	report, err := f.Migrate(context.Background(), schemas, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() {
		t.Fatalf("migrate failed: %+v", report.Failures())
	}
	return report
}

func TestMigrateAppliesANewMigrationEverywhere(t *testing.T) {
	env := setup(t, "alpha", "beta", "gamma")
	f := newFleet(t, env.Pool, addNotes())
	report := migrateOK(t, f, selectSchemas(t, f, fleet.Selector{All: true}), nil)

	if report.Total != 5 || report.Changed != 4 || report.UpToDate != 1 || report.Failed != 0 {
		t.Errorf("report total %d changed %d up to date %d failed %d; want 5, 4 (main and tenants), 1 (public), 0",
			report.Total, report.Changed, report.UpToDate, report.Failed)
	}
	state := states(t, env.Pool)
	for _, s := range []string{static, "tenant_alpha", "tenant_beta", "tenant_gamma"} {
		if got, want := ledger(t, env.Pool, s), labelsUpTo(t, next()); !slices.Equal(got, want) {
			t.Errorf("ledger of %s = %v, want %v", s, got, want)
		}
		if !hasTable(t, env.Pool, s, "notes") {
			t.Errorf("%s has no notes table", s)
		}
		if st := state[s]; st.Version != next() || st.LastError != nil {
			t.Errorf("fleet summary of %s = %+v, want version %d and no error", s, st, next())
		}
	}
	if res := resultOf(t, report, "tenant_beta"); res.From != latest() || res.To != next() ||
		!slices.Equal(res.Applied, []int{notesVersion()}) || !slices.Equal(res.Labels, []string{notesLabel()}) {
		t.Errorf("result of tenant_beta = %+v, want from %d to %d applying %s", res, latest(), next(), notesLabel())
	}
	if res := resultOf(t, report, static); res.From != 0 || res.To != next() || !slices.Equal(res.Labels, labelsUpTo(t, next())) {
		t.Errorf("result of %s = %+v, want from 0 to %d applying every migration", static, res, next())
	}
}

// A Tenantry release adds a migration to its own line after the
// application's were applied: it is applied, not refused as out of order,
// and the schemas' level counts it.
func TestMigrateAppliesTenantrysNewMigrationAfterTheApplications(t *testing.T) {
	env := setup(t, "alpha")
	flags := migrate.Migration{Version: migrations.Tenant().Latest() + 1, Name: "add_flags", SQL: "CREATE TABLE flags (id int);"}
	f := newFleet(t, env.Pool, flags)
	report := migrateOK(t, f, selectSchemas(t, f, fleet.Selector{Dynamic: true}), nil)
	if res := resultOf(t, report, "tenant_alpha"); res.From != latest() || res.To != next() || !slices.Equal(res.Labels, []string{flags.Label()}) {
		t.Errorf("result of tenant_alpha = %+v, want from %d to %d applying %s", res, latest(), next(), flags.Label())
	}
	var want []string
	for _, m := range migrations.Tenant().Migrations() {
		want = append(want, m.Label())
	}
	want = append(want, flags.Label())
	for _, m := range items.TenantSet().Migrations()[migrations.Tenant().Latest():] {
		want = append(want, m.Label())
	}
	if got := ledger(t, env.Pool, "tenant_alpha"); !slices.Equal(got, want) || !hasTable(t, env.Pool, "tenant_alpha", "flags") {
		t.Errorf("ledger of tenant_alpha = %v, want %v, and a flags table", got, want)
	}
	if st := states(t, env.Pool)["tenant_alpha"]; st.Version != next() || st.LastError != nil {
		t.Errorf("fleet summary of tenant_alpha = %+v, want level %d and no error", st, next())
	}
}

func TestMigrateCreatesAMissingStaticSchema(t *testing.T) {
	env := setup(t)
	f := newFleet(t, env.Pool)
	if schemaExists(t, env.Pool, static) {
		t.Fatalf("%s exists before the first migration", static)
	}
	migrateOK(t, f, selectSchemas(t, f, fleet.Selector{Static: true}), nil)
	for _, table := range []string{"users", "items"} {
		if !hasTable(t, env.Pool, static, table) {
			t.Errorf("%s has no %s table", static, table)
		}
	}
	if st := states(t, env.Pool)[static]; st.Kind != "static" || st.Version != latest() {
		t.Errorf("fleet summary of %s = %+v, want static at level %d", static, st, latest())
	}
}

func TestSecondMigrateSkipsEverySchemaWithoutReadingLedgers(t *testing.T) {
	env := setup(t, "alpha", "beta")
	f := newFleet(t, env.Pool, addNotes())
	schemas := selectSchemas(t, f, fleet.Selector{All: true})
	migrateOK(t, f, schemas, nil)

	// Lock every tenant ledger against readers: a run that reads one waits
	// until its context ends and fails.
	ctx := context.Background()
	locker, err := env.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Rollback(ctx)
	if _, err := locker.Exec(ctx, `LOCK TABLE main.tenantry_migrations, tenant_alpha.tenantry_migrations,
		tenant_beta.tenantry_migrations IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	report, err := f.Migrate(runCtx, schemas, &fleet.Options{Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() || report.UpToDate != report.Total || report.Total != 4 || report.Changed != 0 {
		t.Fatalf("second run: total %d up to date %d changed %d failures %+v; want all 4 up to date",
			report.Total, report.UpToDate, report.Changed, report.Failures())
	}
	for _, res := range report.Results {
		if res.Kind != fleet.KindPublic && !res.Skipped {
			t.Errorf("%s was not skipped from the fleet summary: %+v", res.Schema, res)
		}
	}
}

// blockerCheck fails a migration in every schema holding an item titled
// "blocker".
const blockerCheck = `DO $$
BEGIN
    IF EXISTS (SELECT FROM items WHERE name = 'blocker') THEN
        RAISE EXCEPTION 'schema % holds a blocker item', current_schema();
    END IF;
END
$$;`

func TestMigrateGoesOnPastAFailingSchemaAndARerunResumesIt(t *testing.T) {
	env := setup(t, "alpha", "beta", "gamma")
	ctx := context.Background()
	if _, err := env.Pool.Exec(ctx, "INSERT INTO tenant_beta.items (name) VALUES ('blocker')"); err != nil {
		t.Fatal(err)
	}
	f := newFleet(t, env.Pool, addNotes(blockerCheck))
	schemas := selectSchemas(t, f, fleet.Selector{Dynamic: true})
	report, err := f.Migrate(ctx, schemas, nil)
	if err != nil {
		t.Fatal(err)
	}

	if report.OK() || report.Failed != 1 || report.Changed != 2 {
		t.Fatalf("report failed %d changed %d, want 1 and 2", report.Failed, report.Changed)
	}
	failed := report.Failures()[0]
	var merr *migrate.Error
	if failed.Schema != "tenant_beta" || failed.Version != notesVersion() || failed.From != latest() || failed.To != latest() ||
		!strings.Contains(failed.Error, "blocker") || !strings.Contains(failed.Error, notesLabel()) || !errors.As(failed.Err, &merr) ||
		merr.Line != items.App().Name {
		t.Errorf("failure = %+v, want tenant_beta failing at %s, left at level %d, with the cause", failed, notesLabel(), latest())
	}
	if got := ledger(t, env.Pool, "tenant_beta"); !slices.Equal(got, labelsUpTo(t, latest())) || hasTable(t, env.Pool, "tenant_beta", "notes") {
		t.Errorf("tenant_beta moved: ledger %v", got)
	}
	state := states(t, env.Pool)
	if st := state["tenant_beta"]; st.Version != latest() || st.LastError == nil || !strings.Contains(*st.LastError, "blocker") ||
		st.ErrorVersion == nil || *st.ErrorVersion != notesVersion() {
		t.Errorf("fleet summary of tenant_beta = %+v, want level %d with the error of version %d", st, latest(), notesVersion())
	}
	for _, s := range []string{"tenant_alpha", "tenant_gamma"} {
		if st := state[s]; st.Version != next() || st.LastError != nil || !hasTable(t, env.Pool, s, "notes") {
			t.Errorf("%s not migrated: fleet summary %+v", s, st)
		}
	}

	// Fix the data and run again: beta resumes, the others are skipped.
	if _, err := env.Pool.Exec(ctx, "DELETE FROM tenant_beta.items WHERE name = 'blocker'"); err != nil {
		t.Fatal(err)
	}
	report = migrateOK(t, f, schemas, nil)
	if report.Changed != 1 || report.UpToDate != 2 || !slices.Equal(resultOf(t, report, "tenant_beta").Labels, []string{notesLabel()}) {
		t.Errorf("rerun changed %d up to date %d, want beta alone migrated: %+v", report.Changed, report.UpToDate, report.Results)
	}
	if st := states(t, env.Pool)["tenant_beta"]; st.Version != next() || st.LastError != nil || st.ErrorVersion != nil {
		t.Errorf("fleet summary of tenant_beta = %+v, want level %d and the error cleared", st, next())
	}
	if !hasTable(t, env.Pool, "tenant_beta", "notes") {
		t.Error("tenant_beta has no notes table after the rerun")
	}
}

// poolOf returns a pool on env's database with room for size connections.
func poolOf(t *testing.T, env *tenanttest.Env, size int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = size
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestMigrateRunsSchemasInParallel(t *testing.T) {
	env := setup(t, "alpha", "beta", "gamma", "delta")
	// Each schema's migration checks in, then waits until four have: it
	// fails unless four schemas are migrated at once.
	barrier := `DO $$
BEGIN
    PERFORM nextval('public.arrivals');
    FOR i IN 1..1000 LOOP
        EXIT WHEN (SELECT last_value FROM public.arrivals) >= 4;
        PERFORM pg_sleep(0.01);
    END LOOP;
    IF (SELECT last_value FROM public.arrivals) < 4 THEN
        RAISE EXCEPTION 'fewer than four schemas were migrated at once';
    END IF;
END
$$;`
	if _, err := env.Pool.Exec(context.Background(), "CREATE SEQUENCE public.arrivals"); err != nil {
		t.Fatal(err)
	}
	f := newFleet(t, poolOf(t, env, 8), addNotes(barrier))
	schemas := selectSchemas(t, f, fleet.Selector{Tenant: true})
	var done []int
	report := migrateOK(t, f, schemas, &fleet.Options{Parallel: 4, Progress: func(n, total int, _ fleet.Result) {
		done = append(done, n)
	}})
	if report.Changed != 5 || len(done) != 5 {
		t.Errorf("changed %d with %d progress calls, want 5 and 5", report.Changed, len(done))
	}
	var order []string
	for _, res := range report.Results {
		order = append(order, res.Schema)
	}
	if !slices.Equal(order, names(schemas)) {
		t.Errorf("results in order %v, want the schemas' order %v", order, names(schemas))
	}
}

func TestConcurrentMigrateRunsApplyEachMigrationOnce(t *testing.T) {
	// Whatever the server's default isolation, the second run to lock a
	// schema must see what the first applied there.
	for _, isolation := range []string{"read committed", "repeatable read", "serializable"} {
		t.Run("default "+isolation, func(t *testing.T) {
			env := setup(t, "alpha", "beta", "gamma")
			ctx := context.Background()
			// attempts counts every try at the migration, committed or not.
			if _, err := env.Pool.Exec(ctx, "CREATE SEQUENCE public.attempts"); err != nil {
				t.Fatal(err)
			}
			var db string
			if err := env.Pool.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
				t.Fatal(err)
			}
			if _, err := env.Pool.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{db}.Sanitize()+
				" SET default_transaction_isolation = '"+isolation+"'"); err != nil {
				t.Fatal(err)
			}
			f := newFleet(t, poolOf(t, env, 8), addNotes("SELECT nextval('public.attempts'), pg_sleep(0.1);"))
			schemas := selectSchemas(t, f, fleet.Selector{Tenant: true})
			reports := migrateConcurrently(ctx, f, schemas, 2)

			changed := 0
			for i, r := range reports {
				if r.err != nil || !r.OK() {
					t.Fatalf("run %d: %v %+v", i, r.err, r.Failures())
				}
				changed += r.Changed
			}
			if changed != len(schemas) {
				t.Errorf("the two runs changed %d schemas between them, want %d", changed, len(schemas))
			}
			var attempts int
			if err := env.Pool.QueryRow(ctx, "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.attempts").Scan(&attempts); err != nil {
				t.Fatal(err)
			}
			if attempts != len(schemas) {
				t.Errorf("the migration ran %d times over %d schemas", attempts, len(schemas))
			}
			for _, s := range names(schemas) {
				if got, want := ledger(t, env.Pool, s), labelsUpTo(t, next()); !slices.Equal(got, want) {
					t.Errorf("ledger of %s = %v, want %v", s, got, want)
				}
			}
		})
	}
}

type reportOrError struct {
	*fleet.Report
	err error
}

// migrateConcurrently starts n runs of Migrate at once and returns their
// reports.
func migrateConcurrently(ctx context.Context, f *fleet.Fleet, schemas []fleet.Schema, n int) []reportOrError {
	start := make(chan struct{})
	out := make([]reportOrError, n)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() {
			<-start
			r, err := f.Migrate(ctx, schemas, &fleet.Options{Parallel: 2})
			out[i] = reportOrError{r, err}
		})
	}
	close(start)
	wg.Wait()
	return out
}

// snapshot is what a dry run must leave alone.
type snapshot struct {
	States  map[string]schemaState
	Ledgers map[string][]string
	Schemas []string
}

func snapshotOf(t *testing.T, pool *pgxpool.Pool, schemas []string) snapshot {
	t.Helper()
	s := snapshot{States: states(t, pool), Ledgers: map[string][]string{}}
	for _, name := range schemas {
		if schemaExists(t, pool, name) {
			s.Ledgers[name] = ledger(t, pool, name)
		}
	}
	rows, _ := pool.Query(context.Background(), "SELECT nspname FROM pg_namespace ORDER BY nspname")
	var err error
	if s.Schemas, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDryRunReportsPendingAndChangesNothing(t *testing.T) {
	env := setup(t, "alpha", "beta")
	f := newFleet(t, env.Pool, addNotes())
	schemas := selectSchemas(t, f, fleet.Selector{All: true})
	before := snapshotOf(t, env.Pool, names(schemas))

	report := migrateOK(t, f, schemas, &fleet.Options{DryRun: true})
	if report.Changed != 3 || report.UpToDate != 1 {
		t.Errorf("dry run: changed %d up to date %d, want 3 (main and tenants) and 1", report.Changed, report.UpToDate)
	}
	if res := resultOf(t, report, "tenant_alpha"); res.From != latest() || res.To != next() || !slices.Equal(res.Labels, []string{notesLabel()}) {
		t.Errorf("dry run of tenant_alpha = %+v, want %s pending", res, notesLabel())
	}
	if res := resultOf(t, report, static); !slices.Equal(res.Labels, labelsUpTo(t, next())) {
		t.Errorf("dry run of %s = %+v, want every version pending", static, res)
	}
	if after := snapshotOf(t, env.Pool, names(schemas)); !reflect.DeepEqual(before, after) {
		t.Errorf("dry run changed the database:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestDryRunRecordsNoFailure(t *testing.T) {
	env := setup(t, "alpha", "beta")
	ms := items.TenantSet().Migrations()
	ms[0].SQL += "\n-- edited after release"
	ms[0].Checksum = ""
	edited, err := migrate.NewSet("tenant", ms)
	if err != nil {
		t.Fatal(err)
	}
	f := fleet.New(env.Pool, &fleet.Config{Tenant: edited})
	schemas := selectSchemas(t, f, fleet.Selector{Dynamic: true})
	// Make the tenants look behind, so that the run reads their ledgers.
	if _, err := env.Pool.Exec(context.Background(), "UPDATE public.tenantry_schema_state SET version = 0"); err != nil {
		t.Fatal(err)
	}
	before := states(t, env.Pool)

	report, err := f.Migrate(context.Background(), schemas, &fleet.Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if report.Failed != 2 {
		t.Fatalf("dry run failed %d schemas, want 2", report.Failed)
	}
	for _, res := range report.Failures() {
		if !errors.Is(res.Err, migrate.ErrEdited) || res.Version != 1 || res.From != latest() {
			t.Errorf("failure = %+v, want ErrEdited at 1 from level %d", res, latest())
		}
	}
	if after := states(t, env.Pool); !reflect.DeepEqual(before, after) {
		t.Errorf("a dry run wrote the fleet summary:\nbefore %+v\nafter  %+v", before, after)
	}

	// A real run records the same failures.
	if _, err := f.Migrate(context.Background(), schemas, nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range names(schemas) {
		if st := states(t, env.Pool)[s]; st.LastError == nil || !strings.Contains(*st.LastError, "edited") {
			t.Errorf("fleet summary of %s = %+v, want the edit recorded", s, st)
		}
	}
}

func TestProgressIsReportedOncePerSchema(t *testing.T) {
	env := setup(t, "alpha", "beta")
	f := newFleet(t, env.Pool)
	// public applies nothing, main is migrated, the tenants are skipped.
	schemas := selectSchemas(t, f, fleet.Selector{All: true})
	for _, op := range []struct {
		name string
		run  func(*fleet.Options) (*fleet.Report, error)
	}{
		{"migrate", func(o *fleet.Options) (*fleet.Report, error) { return f.Migrate(context.Background(), schemas, o) }},
		{"exec", func(o *fleet.Options) (*fleet.Report, error) {
			return f.Exec(context.Background(), schemas, "SELECT 1", o)
		}},
	} {
		t.Run(op.name, func(t *testing.T) {
			var done, totals []int
			seen := map[string]bool{}
			report, err := op.run(&fleet.Options{Parallel: 3, Progress: func(n, total int, r fleet.Result) {
				done, totals = append(done, n), append(totals, total)
				seen[r.Schema] = true
			}})
			if err != nil || !report.OK() {
				t.Fatalf("%v %+v", err, report)
			}
			if !slices.Equal(done, versions(report.Total)) || len(seen) != report.Total || report.Total != len(schemas) {
				t.Errorf("progress counts %v over schemas %v, want 1 to %d, one per schema", done, seen, len(schemas))
			}
			for _, total := range totals {
				if total != report.Total {
					t.Errorf("progress total %d, want %d", total, report.Total)
				}
			}
		})
	}
}
