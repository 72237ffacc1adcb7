package fleet_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/examples/items"
	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// static is the static schema every test's fleet is configured with.
const static = "main"

// setup makes a fresh database of the items application with a tenant for
// each slug (schema tenant_<slug>, domain <slug>.test): each schema has
// Tenantry's own tables, then the application's items.
func setup(t *testing.T, slugs ...string) *tenanttest.Env {
	t.Helper()
	t.Parallel()
	env := tenanttest.Setup(t, &tenanttest.Options{App: items.App()})
	for _, slug := range slugs {
		env.CreateTenant(t, slug)
	}
	return env
}

// newFleet returns a fleet on pool with the static schema main and the
// items application's tenant set extended with more.
func newFleet(t *testing.T, pool *pgxpool.Pool, more ...migrate.Migration) *fleet.Fleet {
	t.Helper()
	return fleet.New(pool, &fleet.Config{StaticSchemas: []string{static}, Tenant: tenantSet(t, more...)})
}

// tenantSet is the items application's tenant set extended with more.
func tenantSet(t *testing.T, more ...migrate.Migration) *migrate.Set {
	t.Helper()
	set, err := items.TenantSet().With("tenant", more...)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// latest is the level of a schema holding the application's tenant set: how
// many migrations its ledger records.
func latest() int { return items.TenantSet().Latest() }

// next is the level of a schema once addNotes is applied.
func next() int { return latest() + 1 }

// notesVersion is addNotes' version: the next in the application's line.
func notesVersion() int {
	n := 0
	for _, m := range items.TenantSet().Migrations() {
		if m.Line == items.App().Name {
			n++
		}
	}
	return n + 1
}

// notesLabel is how results and ledgers name addNotes.
func notesLabel() string { return addNotes().Label() }

// addNotes is the application's next migration: a new table.
func addNotes(sql ...string) migrate.Migration {
	body := "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);"
	for _, s := range sql {
		body = s + "\n" + body
	}
	return migrate.Migration{Line: items.App().Name, Version: notesVersion(), Name: "add_notes", SQL: body}
}

// labelsUpTo names the first n migrations of the tenant set extended with
// addNotes, in the order a ledger lists them (see ledger).
func labelsUpTo(t *testing.T, n int) []string {
	t.Helper()
	out := []string{}
	for _, m := range tenantSet(t, addNotes()).Migrations()[:n] {
		out = append(out, m.Label())
	}
	return out
}

func selectSchemas(t *testing.T, f *fleet.Fleet, sel fleet.Selector) []fleet.Schema {
	t.Helper()
	schemas, err := f.Select(context.Background(), sel)
	if err != nil {
		t.Fatal(err)
	}
	return schemas
}

func names(schemas []fleet.Schema) []string {
	out := []string{}
	for _, s := range schemas {
		out = append(out, s.Name)
	}
	return out
}

// ledger returns the migrations recorded in schema's own ledger, by label,
// Tenantry's line first.
func ledger(t *testing.T, pool *pgxpool.Pool, schema string) []string {
	t.Helper()
	rows, _ := pool.Query(context.Background(),
		"SELECT line, version, name FROM "+pgx.Identifier{schema, "tenantry_migrations"}.Sanitize()+" ORDER BY line, version")
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var m migrate.Migration
		err := r.Scan(&m.Line, &m.Version, &m.Name)
		return m.Label(), err
	})
	if err != nil {
		t.Fatalf("read ledger of %s: %v", schema, err)
	}
	return got
}

// versions is 1 to n.
func versions(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

func hasTable(t *testing.T, pool *pgxpool.Pool, schema, table string) bool {
	t.Helper()
	var ok bool
	err := pool.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL",
		pgx.Identifier{schema, table}.Sanitize()).Scan(&ok)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func schemaExists(t *testing.T, pool *pgxpool.Pool, schema string) bool {
	t.Helper()
	var ok bool
	err := pool.QueryRow(context.Background(), "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)", schema).Scan(&ok)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// schemaState is a row of public.tenantry_schema_state.
type schemaState struct {
	Schema       string
	Kind         string
	Version      int
	LastError    *string
	ErrorVersion *int
}

// states returns the fleet summary, by schema.
func states(t *testing.T, pool *pgxpool.Pool) map[string]schemaState {
	t.Helper()
	rows, _ := pool.Query(context.Background(),
		"SELECT schema_name, kind, version, last_error, error_version FROM public.tenantry_schema_state")
	all, err := pgx.CollectRows(rows, pgx.RowToStructByPos[schemaState])
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]schemaState, len(all))
	for _, s := range all {
		out[s.Schema] = s
	}
	return out
}

// resultOf returns the report's result for schema.
func resultOf(t *testing.T, r *fleet.Report, schema string) fleet.Result {
	t.Helper()
	i := slices.IndexFunc(r.Results, func(res fleet.Result) bool { return res.Schema == schema })
	if i < 0 {
		t.Fatalf("report has no result for %s", schema)
	}
	return r.Results[i]
}

// countItems returns the number of items in schema.
func countItems(t *testing.T, pool *pgxpool.Pool, schema string) int {
	t.Helper()
	var n int
	err := pool.QueryRow(context.Background(), "SELECT count(*) FROM "+pgx.Identifier{schema, "items"}.Sanitize()).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
