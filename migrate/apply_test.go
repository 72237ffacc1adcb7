package migrate_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/tenanttest"
)

// schema is the schema every test migrates, in its own database.
const schema = "tenant_acme"

// The migrations the tests apply, with unqualified names as real tenant
// migrations have.
var (
	createWidgets = migrate.Migration{Version: 1, Name: "create_widgets", SQL: "CREATE TABLE widgets (id int PRIMARY KEY);"}
	nameWidgets   = migrate.Migration{Version: 2, Name: "name_widgets", SQL: "ALTER TABLE widgets ADD COLUMN name text;\nINSERT INTO widgets VALUES (1, 'first');"}
	createGadgets = migrate.Migration{Version: 3, Name: "create_gadgets", SQL: "CREATE TABLE gadgets (id int);"}
)

// setup returns a pool on a fresh database holding the empty schema.
func setup(t *testing.T) *pgxpool.Pool {
	t.Helper()
	t.Parallel()
	pool := tenanttest.Pool(t, tenanttest.NewDatabase(t, nil))
	if _, err := pool.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	return pool
}

func newSet(t *testing.T, ms ...migrate.Migration) *migrate.Set {
	t.Helper()
	set, err := migrate.NewSet("tenant", ms)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// apply runs set.Apply in a transaction of its own, committed on success
// and rolled back on error.
func apply(pool *pgxpool.Pool, set *migrate.Set, opts *migrate.Options) (migrate.Result, error) {
	var res migrate.Result
	err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		var err error
		res, err = set.Apply(context.Background(), tx, schema, opts)
		return err
	})
	return res, err
}

func mustApply(t *testing.T, pool *pgxpool.Pool, set *migrate.Set) migrate.Result {
	t.Helper()
	res, err := apply(pool, set, nil)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

type ledgerRow struct {
	Version  int
	Name     string
	Checksum string
}

// ledger returns the schema's ledger, or nil when it has none.
func ledger(t *testing.T, pool *pgxpool.Pool) []ledgerRow {
	t.Helper()
	ctx := context.Background()
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", schema+".tenantry_migrations").Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		return nil
	}
	rows, _ := pool.Query(ctx, "SELECT version, name, checksum FROM "+schema+".tenantry_migrations ORDER BY version")
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ledgerRow])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// ledgerOf is the ledger a schema has after applying ms.
func ledgerOf(ms ...migrate.Migration) []ledgerRow {
	var out []ledgerRow
	for _, m := range newSetOrPanic(ms).Migrations() {
		out = append(out, ledgerRow{m.Version, m.Name, m.Checksum})
	}
	return out
}

func newSetOrPanic(ms []migrate.Migration) *migrate.Set {
	set, err := migrate.NewSet("tenant", ms)
	if err != nil {
		panic(err)
	}
	return set
}

// tables lists the schema's tables.
func tables(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, _ := pool.Query(context.Background(),
		"SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename", schema)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestApplyOnAFreshSchemaAppliesAllAndRecordsChecksums(t *testing.T) {
	pool := setup(t)
	res := mustApply(t, pool, newSet(t, createWidgets, nameWidgets, createGadgets))
	if res.Schema != schema || res.From != 0 || res.To != 3 || !slices.Equal(res.Applied, []int{1, 2, 3}) {
		t.Errorf("result = %+v, want %s from 0 to 3 applying 1, 2, 3", res, schema)
	}
	if got, want := ledger(t, pool), ledgerOf(createWidgets, nameWidgets, createGadgets); !slices.Equal(got, want) {
		t.Errorf("ledger = %v, want %v", got, want)
	}
	if got, want := tables(t, pool), []string{"gadgets", "tenantry_migrations", "widgets"}; !slices.Equal(got, want) {
		t.Errorf("tables in %s = %v, want %v (unqualified names land in the migrated schema)", schema, got, want)
	}
	var leaked int
	if err := pool.QueryRow(context.Background(),
		"SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('widgets', 'gadgets')").Scan(&leaked); err != nil {
		t.Fatal(err)
	}
	if leaked != 0 {
		t.Errorf("%d of the migrated tables landed in public", leaked)
	}
}

func TestApplyAgainIsANoOp(t *testing.T) {
	pool := setup(t)
	set := newSet(t, createWidgets, nameWidgets)
	mustApply(t, pool, set)
	before := ledger(t, pool)
	res := mustApply(t, pool, set)
	if res.From != 2 || res.To != 2 || len(res.Applied) != 0 {
		t.Errorf("second apply = %+v, want from 2 to 2 applying nothing", res)
	}
	if got := ledger(t, pool); !slices.Equal(got, before) {
		t.Errorf("ledger changed from %v to %v", before, got)
	}
}

func TestApplyRunsOnlyANewMigration(t *testing.T) {
	pool := setup(t)
	mustApply(t, pool, newSet(t, createWidgets, nameWidgets))
	res := mustApply(t, pool, newSet(t, createWidgets, nameWidgets, createGadgets))
	if res.From != 2 || res.To != 3 || !slices.Equal(res.Applied, []int{3}) {
		t.Errorf("result = %+v, want from 2 to 3 applying 3 only", res)
	}
	var rows int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM "+schema+".widgets").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Errorf("widgets has %d rows, want 1: migration 2 ran again", rows)
	}
	if got, want := ledger(t, pool), ledgerOf(createWidgets, nameWidgets, createGadgets); !slices.Equal(got, want) {
		t.Errorf("ledger = %v, want %v", got, want)
	}
}

func TestApplyRefusesALedgerThatDisagreesWithTheSet(t *testing.T) {
	edited := nameWidgets
	edited.SQL += "\n-- a comment added later"
	for _, tc := range []struct {
		name    string
		applied []migrate.Migration // what the schema has
		set     []migrate.Migration // what the binary has
		want    error
		version int
	}{
		{"edited after it was applied", []migrate.Migration{createWidgets, nameWidgets}, []migrate.Migration{createWidgets, edited, createGadgets}, migrate.ErrEdited, 2},
		{"applied version unknown to the set", []migrate.Migration{createWidgets, nameWidgets, createGadgets}, []migrate.Migration{createWidgets, nameWidgets}, migrate.ErrUnknownVersion, 3},
		{"new migration numbered below the latest", []migrate.Migration{createWidgets, createGadgets}, []migrate.Migration{createWidgets, nameWidgets, createGadgets}, migrate.ErrOutOfOrder, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pool := setup(t)
			mustApply(t, pool, newSet(t, tc.applied...))
			before := ledger(t, pool)
			res, err := apply(pool, newSet(t, tc.set...), nil)
			var merr *migrate.Error
			if !errors.As(err, &merr) || !errors.Is(err, tc.want) {
				t.Fatalf("apply = %v, want a *migrate.Error wrapping %v", err, tc.want)
			}
			if merr.Schema != schema || merr.Version != tc.version {
				t.Errorf("error names schema %s version %d, want %s version %d", merr.Schema, merr.Version, schema, tc.version)
			}
			if level := len(before); res.From != level || res.To != level {
				t.Errorf("result = %+v, want from and to %d: the schema's level", res, level)
			}
			if got := ledger(t, pool); !slices.Equal(got, before) {
				t.Errorf("ledger changed from %v to %v", before, got)
			}
		})
	}
}

func TestFailingMigrationLeavesTheSchemaUnchanged(t *testing.T) {
	pool := setup(t)
	mustApply(t, pool, newSet(t, createWidgets))
	broken := migrate.Migration{Version: 2, Name: "broken",
		SQL: "CREATE TABLE half_done (id int);\nALTER TABLE widgets ADD COLUMN name text;\nSELECT * FROM no_such_table;"}
	res, err := apply(pool, newSet(t, createWidgets, broken, createGadgets), nil)
	var merr *migrate.Error
	if !errors.As(err, &merr) {
		t.Fatalf("apply = %v, want a *migrate.Error", err)
	}
	if merr.Schema != schema || merr.Version != 2 || merr.Name != "broken" {
		t.Errorf("error names %s %d %s, want %s 2 broken", merr.Schema, merr.Version, merr.Name, schema)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42P01" {
		t.Errorf("error %v does not wrap PostgreSQL's undefined_table", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "0002_broken") || !strings.Contains(msg, "no_such_table") {
		t.Errorf("message %q does not name the migration and the cause", msg)
	}
	if res.From != 1 || res.To != 1 {
		t.Errorf("result = %+v, want from and to 1", res)
	}
	if got, want := ledger(t, pool), ledgerOf(createWidgets); !slices.Equal(got, want) {
		t.Errorf("ledger = %v, want %v", got, want)
	}
	if got, want := tables(t, pool), []string{"tenantry_migrations", "widgets"}; !slices.Equal(got, want) {
		t.Errorf("tables = %v, want %v", got, want)
	}
	var columns int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = 'widgets'`, schema).Scan(&columns); err != nil {
		t.Fatal(err)
	}
	if columns != 1 {
		t.Errorf("widgets has %d columns, want 1: part of the failed migration stayed", columns)
	}
}

func TestFailingFirstRunLeavesNoLedger(t *testing.T) {
	pool := setup(t)
	broken := migrate.Migration{Version: 2, Name: "broken", SQL: "SELEC 1;"}
	_, err := apply(pool, newSet(t, createWidgets, broken, createGadgets), nil)
	var merr *migrate.Error
	if !errors.As(err, &merr) || merr.Version != 2 {
		t.Fatalf("apply = %v, want a *migrate.Error for version 2", err)
	}
	if got := tables(t, pool); len(got) != 0 {
		t.Errorf("tables = %v, want none", got)
	}
}

func TestDryRunReportsPendingAndChangesNothing(t *testing.T) {
	pool := setup(t)
	mustApply(t, pool, newSet(t, createWidgets))
	res, err := apply(pool, newSet(t, createWidgets, nameWidgets, createGadgets), &migrate.Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.From != 1 || res.To != 3 || !slices.Equal(res.Applied, []int{2, 3}) {
		t.Errorf("dry run = %+v, want from 1 to 3 with 2 and 3 pending", res)
	}
	if got, want := ledger(t, pool), ledgerOf(createWidgets); !slices.Equal(got, want) {
		t.Errorf("ledger = %v, want %v", got, want)
	}
	if got, want := tables(t, pool), []string{"tenantry_migrations", "widgets"}; !slices.Equal(got, want) {
		t.Errorf("tables = %v, want %v", got, want)
	}
}

func TestDryRunOnAMissingSchemaCreatesNothing(t *testing.T) {
	pool := setup(t)
	if _, err := pool.Exec(context.Background(), "DROP SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	res, err := apply(pool, newSet(t, createWidgets, nameWidgets), &migrate.Options{DryRun: true, CreateSchema: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Applied, []int{1, 2}) {
		t.Errorf("dry run = %+v, want 1 and 2 pending", res)
	}
	if exists := schemaExists(t, pool); exists {
		t.Error("a dry run created the schema")
	}
}

func TestApplyCreatesAMissingSchemaOnlyWhenAsked(t *testing.T) {
	pool := setup(t)
	if _, err := pool.Exec(context.Background(), "DROP SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	set := newSet(t, createWidgets)
	if _, err := apply(pool, set, nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("apply to a missing schema = %v, want a does-not-exist error", err)
	}
	if schemaExists(t, pool) {
		t.Fatal("the schema was created without CreateSchema")
	}
	if _, err := apply(pool, set, &migrate.Options{CreateSchema: true}); err != nil {
		t.Fatal(err)
	}
	if got, want := ledger(t, pool), ledgerOf(createWidgets); !slices.Equal(got, want) {
		t.Errorf("ledger = %v, want %v", got, want)
	}
}

func schemaExists(t *testing.T, pool *pgxpool.Pool) bool {
	t.Helper()
	var exists bool
	if err := pool.QueryRow(context.Background(), "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	return exists
}

func TestConcurrentApplyDoesNotApplyTwice(t *testing.T) {
	pool := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	set := newSet(t, createWidgets, nameWidgets, createGadgets)

	first, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback(ctx)
	res1, err := set.Apply(ctx, first, schema, nil)
	if err != nil {
		t.Fatal(err)
	}

	type outcome struct {
		res migrate.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := apply(pool, set, nil)
		done <- outcome{res, err}
	}()
	waitForAdvisoryLockWaiter(t, ctx, pool)
	if err := first.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	second := <-done

	if second.err != nil {
		t.Fatalf("second apply: %v", second.err)
	}
	if !slices.Equal(res1.Applied, []int{1, 2, 3}) || len(second.res.Applied) != 0 || second.res.From != 3 {
		t.Errorf("first applied %v, second %+v; want 1, 2, 3 then nothing from 3", res1.Applied, second.res)
	}
	if got, want := ledger(t, pool), ledgerOf(createWidgets, nameWidgets, createGadgets); !slices.Equal(got, want) {
		t.Errorf("ledger = %v, want %v", got, want)
	}
}

// waitForAdvisoryLockWaiter returns once a session of the test's database is
// waiting for an advisory lock.
func waitForAdvisoryLockWaiter(t *testing.T, ctx context.Context, pool *pgxpool.Pool) {
	t.Helper()
	for {
		var waiting bool
		err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_database d ON d.oid = l.database
			WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database())`).Scan(&waiting)
		if err != nil {
			t.Fatalf("wait for the second Apply to queue on the lock: %v", err)
		}
		if waiting {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestVersionReadsTheLedger(t *testing.T) {
	pool := setup(t)
	ctx := context.Background()
	check := func(schema string, want int) {
		t.Helper()
		v, err := migrate.Version(ctx, pool, schema)
		if err != nil || v != want {
			t.Errorf("Version(%s) = %d, %v; want %d", schema, v, err, want)
		}
	}
	check(schema, 0)           // no ledger yet
	check("no_such_schema", 0) // no schema at all
	mustApply(t, pool, newSet(t, createWidgets, nameWidgets))
	check(schema, 2)
	mustApply(t, pool, newSet(t, createWidgets, nameWidgets, createGadgets))
	check(schema, 3)
}
