package migrate_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// Apply sends each migration with its ledger insert as one statement list,
// so the text of a migration must not swallow what follows it.
func TestMigrationsEndingInACommentOrWithoutSemicolonAreRecorded(t *testing.T) {
	pool := setup(t)
	ms := []migrate.Migration{
		{Version: 1, Name: "no_semicolon", SQL: "CREATE TABLE a (id int)"},
		{Version: 2, Name: "line_comment", SQL: "CREATE TABLE b (id int); -- the end, no newline"},
		{Version: 3, Name: "block_comment", SQL: "CREATE TABLE c (id int) /* no semicolon */"},
		{Version: 4, Name: "only_a_comment", SQL: "-- nothing to do"},
		{Version: 5, Name: "empty", SQL: ""},
	}
	res := mustApply(t, pool, newSet(t, ms...))
	if !slices.Equal(res.Applied, []int{1, 2, 3, 4, 5}) {
		t.Errorf("applied %v, want 1 to 5", res.Applied)
	}
	if got, want := ledger(t, pool), ledgerOf(ms...); !slices.Equal(got, want) {
		t.Errorf("ledger = %v, want %v", got, want)
	}
	if got, want := tables(t, pool), []string{"a", "b", "c", "tenantry_migrations"}; !slices.Equal(got, want) {
		t.Errorf("tables = %v, want %v", got, want)
	}
}

// Options.After records, in public, the ledger's length as the migrated
// schema's search_path shows it.
const afterLog = "INSERT INTO public.after_log SELECT count(*) FROM tenantry_migrations"

func afterLogOf(t *testing.T, pool *pgxpool.Pool) []int {
	t.Helper()
	rows, _ := pool.Query(context.Background(), "SELECT n FROM public.after_log ORDER BY n")
	got, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestAfterRunsOnceTheMigrationsAreApplied(t *testing.T) {
	pool := setup(t)
	if _, err := pool.Exec(context.Background(), "CREATE TABLE public.after_log (n int)"); err != nil {
		t.Fatal(err)
	}
	set := newSet(t, createWidgets, nameWidgets, createGadgets)
	opts := &migrate.Options{After: afterLog}
	if _, err := apply(pool, set, &migrate.Options{After: afterLog, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if got := afterLogOf(t, pool); len(got) != 0 {
		t.Fatalf("a dry run ran After: %v", got)
	}
	if _, err := apply(pool, set, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := apply(pool, set, opts); err != nil { // nothing pending: After alone
		t.Fatal(err)
	}
	if got, want := afterLogOf(t, pool), []int{3, 3}; !slices.Equal(got, want) {
		t.Errorf("After saw ledgers of %v, want %v: once after all three, then alone", got, want)
	}
	broken := migrate.Migration{Version: 4, Name: "broken", SQL: "SELEC 1;"}
	if _, err := apply(pool, newSet(t, createWidgets, nameWidgets, createGadgets, broken), opts); err == nil {
		t.Fatal("apply of a broken migration succeeded")
	}
	if got, want := afterLogOf(t, pool), []int{3, 3}; !slices.Equal(got, want) {
		t.Errorf("after a failure the log is %v, want %v", got, want)
	}
}

func TestApplyQuotesHostileSchemaNames(t *testing.T) {
	for _, name := range []string{`O'Brien`, `say "hi"`, `semi;colon`, `back\slash`, `Upper Case`} {
		t.Run(name, func(t *testing.T) {
			pool := setup(t)
			set := newSet(t, createWidgets, nameWidgets)
			var res migrate.Result
			err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
				var err error
				res, err = set.Apply(context.Background(), tx, name, &migrate.Options{CreateSchema: true})
				return err
			})
			if err != nil || !slices.Equal(res.Applied, []int{1, 2}) {
				t.Fatalf("apply to %q = %+v, %v; want 1 and 2 applied", name, res, err)
			}
			if v, err := migrate.Version(context.Background(), pool, name); err != nil || v != 2 {
				t.Errorf("Version(%q) = %d, %v; want 2", name, v, err)
			}
		})
	}
}

// TestApplyPreparesNoStatementPerSchema pins down that the per-schema text
// Apply sends stays out of pgx's statement cache, which would otherwise
// hold one entry per schema of a fleet.
func TestApplyPreparesNoStatementPerSchema(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig(tenanttest.NewDatabase(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	set := newSet(t, createWidgets, nameWidgets)
	prepared := func(schema string) int {
		t.Helper()
		ctx := context.Background()
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, err := set.Apply(ctx, tx, schema, &migrate.Options{CreateSchema: true})
			return err
		})
		var n int
		if err == nil {
			err = pool.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements").Scan(&n)
		}
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	first := prepared("tenant_one")
	prepared("tenant_two")
	if last := prepared("tenant_three"); last != first {
		t.Errorf("the connection holds %d prepared statements after one schema and %d after three", first, last)
	}
}

// A role that may read the ledger but not create in the schema can still
// find that nothing is pending: Apply creates the ledger only when missing.
func TestApplyWithNothingPendingNeedsNoCreatePrivilege(t *testing.T) {
	pool := setup(t)
	ctx := context.Background()
	set := newSet(t, createWidgets)
	mustApply(t, pool, set)
	oid, err := tenantdb.DatabaseOID(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	// Named like a tenant role, so that the database's clean-up drops it.
	reader := sqlquote.Ident(tenantdb.RolePrefix(oid) + "reader")
	if _, err := pool.Exec(ctx, "CREATE ROLE "+reader+" NOLOGIN; GRANT USAGE ON SCHEMA "+schema+" TO "+reader+
		"; GRANT SELECT ON "+schema+".tenantry_migrations TO "+reader); err != nil {
		t.Fatal(err)
	}
	var res migrate.Result
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+reader); err != nil {
			return err
		}
		res, err = set.Apply(ctx, tx, schema, nil)
		return err
	})
	if err != nil || res.From != 1 || len(res.Applied) != 0 {
		t.Errorf("apply as a reader = %+v, %v; want nothing pending at 1", res, err)
	}
}
