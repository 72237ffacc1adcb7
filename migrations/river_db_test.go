package migrations_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/tenantry/tenantry/migrations"
	"github.com/tenantry/tenantry/tenanttest"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// River's own migrator, asked to dry-run every version against a schema
// without river_migration, renders each version exactly as our generated
// file holds it: the file is River's SQL for public, not an imitation.
func TestRiverRenderingMatchesRivermigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := tenanttest.Pool(t, tenanttest.NewDatabase(t, nil))
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "DROP TABLE public.river_migration"); err != nil {
		t.Fatal(err)
	}
	driver := riverpgxv5.New(pool)
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Schema: migrations.RiverSchema, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Versions) != len(m.AllVersions()) {
		t.Fatalf("dry run rendered %d versions, want all %d", len(res.Versions), len(m.AllVersions()))
	}
	for _, v := range res.Versions {
		mig, err := m.GetVersion(v.Version)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := renderRiverSQL(driver, mig.SQLUp)
		if err != nil {
			t.Fatal(err)
		}
		theirs := strings.TrimSpace(v.SQL)
		if !strings.HasSuffix(theirs, ";") {
			theirs += ";"
		}
		if ours != theirs {
			t.Errorf("version %d: our rendering differs from rivermigrate's:\n%s\n---\n%s", v.Version, ours, theirs)
		}
	}
}

func TestSharedSetLeavesNothingPendingForRiver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := tenanttest.Pool(t, tenanttest.NewDatabase(t, nil))
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: migrations.RiverSchema, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Validate(ctx, nil)
	if err != nil || !res.OK {
		t.Fatalf("Validate = %+v, %v; want OK", res, err)
	}
	existing, err := m.ExistingVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if all := m.AllVersions(); len(existing) != len(all) {
		t.Errorf("ExistingVersions = %d versions, want all %d", len(existing), len(all))
	}
	up, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil || len(up.Versions) != 0 {
		t.Errorf("Migrate up after the shared set = %+v, %v; want nothing to apply", up, err)
	}
}

type pingArgs struct {
	Word string `json:"word"`
}

func (pingArgs) Kind() string { return "tenantry.test_ping" }

// A client given the schema explicitly inserts from a transaction whose
// search_path does not reach public, and works the job.
func TestRiverClientWorksOnSharedSet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := tenanttest.Pool(t, tenanttest.NewDatabase(t, nil))
	worked := make(chan string, 1)
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[pingArgs]) error {
		worked <- job.Args.Word
		return nil
	}))
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema: migrations.RiverSchema, Logger: discard, TestOnly: true, Workers: workers,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('search_path', 'pg_catalog', true)"); err != nil {
			return err
		}
		_, err := client.InsertTx(ctx, tx, pingArgs{Word: "hello"}, nil)
		return err
	})
	if err != nil {
		t.Fatalf("insert with search_path pg_catalog: %v", err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := client.Stop(ctx); err != nil {
			t.Errorf("stop client: %v", err)
		}
	})
	select {
	case w := <-worked:
		if w != "hello" {
			t.Errorf("worked %q, want hello", w)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the job was not worked within 10s")
	}
}

// describeRiver lists River's objects in public: relations, columns,
// constraints, indexes, enum labels in order, functions, triggers and the
// recorded versions, one sorted line each.
const describeRiver = `SELECT line FROM (
	SELECT format('relation %s %s%s', relname, relkind, relpersistence) AS line
	FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname LIKE 'river%'
	UNION ALL
	SELECT format('column %s.%s #%s %s notnull=%s default=%s', c.relname, a.attname, a.attnum,
		format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid))
	FROM pg_class c
	JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
	WHERE c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'river%' AND c.relkind = 'r'
	UNION ALL
	SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
	FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text LIKE 'river%'
	UNION ALL
	SELECT format('index %s', pg_get_indexdef(i.indexrelid))
	FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
	WHERE c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'river%'
	UNION ALL
	SELECT format('enum %s %s', t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder))
	FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
	WHERE t.typnamespace = 'public'::regnamespace AND t.typname LIKE 'river%' GROUP BY t.typname
	UNION ALL
	SELECT format('type %s %s', typname, typtype) FROM pg_type
	WHERE typnamespace = 'public'::regnamespace AND typname LIKE 'river%'
	UNION ALL
	SELECT format('function %s', pg_get_functiondef(oid))
	FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proname LIKE 'river%'
	UNION ALL
	SELECT format('trigger %s on %s', tgname, tgrelid::regclass)
	FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text LIKE 'river%'
	UNION ALL
	SELECT format('migration %s %s', line, version) FROM public.river_migration
) s ORDER BY line`

func describe(t *testing.T, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) []string {
	t.Helper()
	rows, _ := q.Query(context.Background(), describeRiver)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("describe River's schema: %v", err)
	}
	return lines
}

// emptyDatabase creates a database without any migration and returns a
// pool on it; both go when t ends.
func emptyDatabase(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	admin := tenanttest.Pool(t, tenanttest.AdminURL(t))
	name := fmt.Sprintf("tenantry_river_ref_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	cfg, err := pgxpool.ParseConfig(tenanttest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Database = name
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// The shared set, with its own statements between River's versions,
// leaves public exactly as River's migrator leaves an empty database.
func TestRiverSchemaMatchesRivermigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ours := tenanttest.Pool(t, tenanttest.NewDatabase(t, nil))
	ref := emptyDatabase(t)
	m, err := rivermigrate.New(riverpgxv5.New(ref), &rivermigrate.Config{Schema: migrations.RiverSchema, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		t.Fatalf("rivermigrate up: %v", err)
	}
	got, want := describe(t, ours), describe(t, ref)
	if !slices.Equal(got, want) {
		t.Errorf("River's schema after the shared set differs from rivermigrate's:\n%s",
			lineDiff(got, want))
	}
	if len(want) < 40 {
		t.Errorf("describe found only %d lines of River's schema; is the query right?\n%s", len(want), strings.Join(want, "\n"))
	}
}

// lineDiff lists the lines only in got (-) and only in want (+).
func lineDiff(got, want []string) string {
	var b strings.Builder
	for _, l := range got {
		if !slices.Contains(want, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
