package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/metrics"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// scrape returns a /metrics answer of metrics watching a database with a
// tenant, a spare, a queued job, two pools and a registry that answered
// lookups, after requests of two tenants and one without.
func scrape(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	acme := env.CreateTenant(t, "acme")
	spares := provision.New(env.Pool, &provision.Config{TenantMigrations: env.Sets.Tenant, Spares: 1})
	if _, err := spares.Refill(ctx); err != nil {
		t.Fatal(err)
	}
	j, err := jobs.New(jobs.Config{Pool: env.Pool, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := pgx.BeginFunc(ctx, env.Pool, func(tx pgx.Tx) error { return j.EnqueueSeed(ctx, tx, acme.ID) }); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := env.Registry.Lookup(ctx, "acme.test"); err != nil {
			t.Fatal(err)
		}
	}
	m, err := metrics.New(&metrics.Config{
		Pools: map[string]*pgxpool.Pool{"http": env.Pool, "jobs": tenanttest.Pool(t, env.URL)},
		Cache: env.Registry, DB: env.Pool, TenantVersion: env.Sets.Tenant.Latest(), Spares: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /api/items", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	h := m.Middleware(metrics.Route(mux))
	for _, slug := range []string{"acme", "globex", ""} {
		for _, r := range []*http.Request{httptest.NewRequest("GET", "/api/items/7", nil), httptest.NewRequest("POST", "/api/items", nil)} {
			if slug != "" {
				r = r.WithContext(tenantry.WithTenant(r.Context(), &tenantry.Tenant{Slug: slug}))
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
		}
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func TestExpositionHasEveryFamily(t *testing.T) {
	t.Parallel()
	out := scrape(t)
	for _, want := range []string{
		`tenantry_http_requests_total{method="POST",route="/api/items",status_class="2xx",tenant="acme"} 1`,
		`tenantry_http_requests_total{method="GET",route="/api/items/{id}",status_class="2xx",tenant="none"} 1`,
		`tenantry_http_request_duration_seconds_bucket{method="GET",route="/api/items/{id}",le="+Inf"} 3`,
		`tenantry_http_tenant_request_duration_seconds_count{tenant="globex"} 2`,
		`tenantry_db_pool_max_connections{purpose="jobs"}`,
		`tenantry_db_pool_connections{purpose="http",state="in_use"}`,
		`tenantry_registry_cache_lookups_total{result="hit"} 2`,
		`tenantry_registry_cache_lookups_total{result="miss"} 1`,
		`tenantry_registry_cache_reads_total 1`,
		`tenantry_fleet_schemas{kind="dynamic",state="current"} 1`,
		`tenantry_fleet_schemas{kind="spare",state="current"} 1`,
		`tenantry_fleet_schemas{kind="dynamic",state="failed"} 0`,
		`tenantry_spare_pool_ready 1`,
		`tenantry_spare_pool_target 1`,
		`tenantry_jobs{kind="tenantry.seed",state="available"} 1`,
		`tenantry_jobs{kind="tenantry.seed",state="running"} 0`,
		`tenantry_metrics_database_up 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the exposition lacks %s", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

// TestExpositionPassesPromtool runs Prometheus' own linter on the output.
// TENANTRY_REQUIRE_PROMTOOL=1 (make test sets it) makes a missing promtool
// a failure rather than a skip.
func TestExpositionPassesPromtool(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("TENANTRY_REQUIRE_PROMTOOL") == "1" {
			t.Fatal("promtool is missing (Debian: apt-get install prometheus; scripts/install-deps.sh does it)")
		}
		t.Skip("promtool is missing: set TENANTRY_REQUIRE_PROMTOOL=1 to make this a failure")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(scrape(t))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestDashboardNamesExistingMetrics checks that every metric the sample
// Grafana dashboard queries is in the exposition.
func TestDashboardNamesExistingMetrics(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&dash); err != nil {
		t.Fatalf("deploy/grafana-dashboard.json: %v", err)
	}
	samples := sampleNames(t, strings.NewReader(scrape(t)))
	name := regexp.MustCompile(`\btenantry_[a-z0-9_]+\b`)
	exprs := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			exprs++
			names := name.FindAllString(target.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: expression %q names no tenantry metric", p.Title, target.Expr)
			}
			for _, n := range names {
				if !samples[n] {
					t.Errorf("panel %q: metric %s is not in the exposition", p.Title, n)
				}
			}
		}
	}
	if exprs == 0 {
		t.Fatal("the dashboard has no expressions")
	}
}

// sampleNames returns the names of the samples in a text exposition.
func sampleNames(t *testing.T, r io.Reader) map[string]bool {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		names[line[:strings.IndexAny(line, "{ ")]] = true
	}
	return names
}
