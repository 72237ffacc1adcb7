package limits_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestTopSaysHowToEnablePgStatStatements(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil) // the test server does not preload it
	r, err := limits.Top(context.Background(), env.Pool, limits.TopOptions{})
	if err != nil || r.Available || !strings.Contains(r.Hint, "shared_preload_libraries = 'pg_stat_statements'") {
		t.Errorf("Top without the extension = %+v, %v", r, err)
	}
}

// TestTopFoldsStatementsByTenantRole runs statements as two tenants on a
// cluster with pg_stat_statements and finds each tenant's figures, the
// heavier first, and counts from zero again after a reset.
func TestTopFoldsStatementsByTenantRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin := tenanttest.StartCluster(t, map[string]string{"shared_preload_libraries": "pg_stat_statements"})
	env := tenanttest.Setup(t, &tenanttest.Options{AdminURL: admin})
	heavy, light := env.CreateTenant(t, "heavy"), env.CreateTenant(t, "light")
	r, err := limits.Top(ctx, env.Pool, limits.TopOptions{})
	if err != nil || r.Available || !strings.Contains(r.Hint, "CREATE EXTENSION pg_stat_statements") {
		t.Fatalf("Top before CREATE EXTENSION = %+v, %v", r, err)
	}
	if _, err := env.Pool.Exec(ctx, "CREATE EXTENSION pg_stat_statements"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, "SELECT pg_stat_statements_reset()"); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := env.DB.InTenant(ctx, heavy, func(tx *tenantdb.Tx) error {
			_, err := tx.Exec(ctx, "SELECT count(*) FROM users, generate_series(1, 2000) g WHERE g > $1", i)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.DB.InTenant(ctx, light, func(tx *tenantdb.Tx) error {
		_, err := tx.Exec(ctx, "SELECT id FROM users")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r, err = limits.Top(ctx, env.Pool, limits.TopOptions{Tenants: 1, Statements: 3})
	if err != nil || !r.Available || r.TenantCount != 2 || len(r.Tenants) != 1 {
		t.Fatalf("Top = %+v, %v", r, err)
	}
	top := r.Tenants[0]
	// The query is among the tenant's three statements (with the entry
	// statement and the COMMIT); which of them weighs most depends on the
	// machine's load, so the test does not ask for it first.
	found := false
	for _, st := range top.Statements {
		found = found || strings.Contains(st.Query, "generate_series") && st.Calls == 20
	}
	if top.Tenant != "heavy" || top.Calls < 20 || top.TotalMS <= 0 || top.MeanMS <= 0 || top.Rows < 20 || !found {
		t.Errorf("heaviest tenant = %+v", top)
	}
	if r.Others.Calls < 1 || r.Others.Rows < 1 {
		t.Errorf("others = %+v, want the light tenant's statement", r.Others)
	}
	// The same figures as metrics: the heaviest tenant, the rest as other.
	c := limits.NewStatsCollector(env.Pool, &limits.CollectorConfig{Tenants: 1})
	if n := testutil.CollectAndCount(c, "tenantry_tenant_statements_calls_total"); n != 2 {
		t.Errorf("%d calls series, want heavy and other", n)
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) != 0 {
		t.Errorf("metrics lint: %v %v", problems, err)
	}
	want := fmt.Sprintf("# HELP tenantry_tenant_statements_rows_total Rows returned or affected by the tenant's statements since the last reset.\n"+
		"# TYPE tenantry_tenant_statements_rows_total counter\n"+
		"tenantry_tenant_statements_rows_total{tenant=\"heavy\"} %d\ntenantry_tenant_statements_rows_total{tenant=\"other\"} %d\n", top.Rows, r.Others.Rows)
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "tenantry_tenant_statements_rows_total"); err != nil {
		t.Error(err)
	}
	since := r.Since
	if _, err := env.Pool.Exec(ctx, "SELECT pg_stat_statements_reset()"); err != nil {
		t.Fatal(err)
	}
	r, err = limits.Top(ctx, env.Pool, limits.TopOptions{})
	if err != nil || !r.Since.After(since) || r.TenantCount != 0 || len(r.Tenants) != 0 {
		t.Errorf("after a reset: %+v, %v", r, err)
	}
}
