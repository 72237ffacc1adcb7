package fleet_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/migrations"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// static is the static schema every test's fleet is configured with.
const static = "main"

// setup makes a fresh database with a tenant for each slug (schema
// tenant_<slug>, domain <slug>.test).
func setup(t *testing.T, slugs ...string) *tenanttest.Env {
	t.Helper()
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	for _, slug := range slugs {
		env.CreateTenant(t, slug)
	}
	return env
}

// newFleet returns a fleet on pool with the static schema main and the
// reference tenant set extended with more.
func newFleet(t *testing.T, pool *pgxpool.Pool, more ...migrate.Migration) *fleet.Fleet {
	t.Helper()
	set, err := migrations.Tenant().With("tenant", more...)
	if err != nil {
		t.Fatal(err)
	}
	return fleet.New(pool, &fleet.Config{StaticSchemas: []string{static}, Tenant: set})
}

// next is the version of a migration added after the reference tenant set.
func next() int { return migrations.Tenant().Latest() + 1 }

// addNotes is a migration added to the tenant set: a new table.
func addNotes(sql ...string) migrate.Migration {
	body := "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);"
	for _, s := range sql {
		body = s + "\n" + body
	}
	return migrate.Migration{Version: next(), Name: "add_notes", SQL: body}
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

// ledger returns the versions recorded in schema's own ledger.
func ledger(t *testing.T, pool *pgxpool.Pool, schema string) []int {
	t.Helper()
	rows, _ := pool.Query(context.Background(),
		"SELECT version FROM "+pgx.Identifier{schema, "tenantry_migrations"}.Sanitize()+" ORDER BY version")
	got, err := pgx.CollectRows(rows, pgx.RowTo[int])
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
