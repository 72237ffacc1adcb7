package tenantdb_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenantdb"
)

// TestTenantStatementsArePreparedApart takes turns between two tenants on
// one connection, reading through InTenant and Pipeline, and checks that
// each sees its own rows and what the connection then holds prepared: the
// tenants' own statement texts when both are among the recent tenants, the
// shared ones otherwise.
func TestTenantStatementsArePreparedApart(t *testing.T) {
	cases := []struct {
		name   string
		recent int
		apart  bool
	}{
		{"both recent", 2, true},
		{"more tenants than recent ones", 1, false},
		{"off", -1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, nil)
			ctx := context.Background()
			db := tenantdb.New(f.one, &tenantdb.Config{TenantStatements: c.recent})
			tenants := []*tenantry.Tenant{f.a, f.b}
			for range 3 {
				for _, ten := range tenants {
					var got string
					err := db.InTenant(ctx, ten, func(tx *tenantdb.Tx) error {
						return tx.QueryRow(ctx, "SELECT name FROM items WHERE name LIKE $1", "item%").Scan(&got)
					})
					if want := "item of " + ten.Slug; err != nil || got != want {
						t.Fatalf("InTenant for %s read %q (%v), want %q", ten.Slug, got, err, want)
					}
				}
				for _, ten := range tenants {
					var got string
					b := &pgx.Batch{}
					b.Queue("SELECT name FROM items ORDER BY id LIMIT $1", 1).QueryRow(func(r pgx.Row) error { return r.Scan(&got) })
					err := db.Pipeline(ctx, ten, b)
					if want := "item of " + ten.Slug; err != nil || got != want {
						t.Fatalf("Pipeline for %s read %q (%v), want %q", ten.Slug, got, err, want)
					}
					if !strings.HasPrefix(b.QueuedQueries[0].SQL, "SELECT") {
						t.Errorf("Pipeline changed the caller's batch: %q", b.QueuedQueries[0].SQL)
					}
				}
			}
			f.assertClean(t)
			prepared := preparedStatements(t, f)
			for _, ten := range []*tenantry.Tenant{f.a, f.b} {
				for _, q := range []string{"SELECT name FROM items WHERE name LIKE $1", "SELECT name FROM items ORDER BY id LIMIT $1"} {
					own := "/* " + ten.SchemaName + " */ " + q
					if slices.Contains(prepared, own) != c.apart {
						t.Errorf("%q prepared: %v, want %v (prepared: %q)", own, !c.apart, c.apart, prepared)
					}
				}
			}
		})
	}
}

// preparedStatements lists the statements prepared on f's one connection.
func preparedStatements(t *testing.T, f *fixture) []string {
	t.Helper()
	rows, err := f.one.Query(context.Background(), "SELECT statement FROM pg_prepared_statements")
	if err != nil {
		t.Fatal(err)
	}
	prepared, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return prepared
}
