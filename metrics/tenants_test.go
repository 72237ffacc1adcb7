package metrics

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/tenantry/tenantry"
)

// clock is a time source that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// setup returns metrics with k tenant labels whose clock moves by hand,
// and a handler that serves each request as the tenant named in its
// X-Tenant header (none without it), through Middleware and Route.
func setup(t *testing.T, k int) (*Metrics, *clock, http.Handler) {
	t.Helper()
	c := &clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	m, err := New(&Config{Tenants: k, now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	asTenant := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if slug := r.Header.Get("X-Tenant"); slug != "" {
				r = r.WithContext(tenantry.WithTenant(r.Context(), &tenantry.Tenant{Slug: slug}))
			}
			next.ServeHTTP(w, r)
		})
	}
	return m, c, m.Middleware(asTenant(Route(mux)))
}

func request(t *testing.T, h http.Handler, tenant, path string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if tenant != "" {
		r.Header.Set("X-Tenant", tenant)
	}
	h.ServeHTTP(httptest.NewRecorder(), r)
}

// tenantValues returns the values of the tenant label across the request
// metrics, with the requests counted under each.
func tenantValues(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]float64{}
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "tenant" {
					values[l.GetValue()] += count(f, metric)
				}
			}
		}
	}
	return values
}

func count(f *dto.MetricFamily, m *dto.Metric) float64 {
	if f.GetName() == "tenantry_http_requests_total" {
		return m.GetCounter().GetValue()
	}
	return 0
}

func TestTenThousandTenantsYieldAtMostKPlusOneLabelValues(t *testing.T) {
	t.Parallel()
	const k = 20
	m, c, h := setup(t, k)
	for round := range 5 {
		for i := range 10_000 {
			request(t, h, fmt.Sprintf("t%05d", (i*7+round*13)%10_000), "/api/items/1")
		}
		c.Advance(time.Minute) // the next request re-ranks
		if got := tenantValues(t, m); len(got) > k+1 {
			t.Fatalf("round %d: %d tenant label values, want at most %d", round, len(got), k+1)
		}
	}
	if got := tenantValues(t, m); got[OtherTenant] == 0 {
		t.Fatalf("no request counted as %q: %v", OtherTenant, got)
	}
}

func TestBusiestTenantsKeepTheirSlug(t *testing.T) {
	t.Parallel()
	const k = 3
	m, c, h := setup(t, k)
	// Small tenants come first and take the free places...
	for i := range 50 {
		request(t, h, fmt.Sprintf("small%02d", i), "/api/items/1")
	}
	// ... then three tenants send most of the traffic.
	for range 200 {
		for _, slug := range []string{"big_a", "big_b", "big_c"} {
			request(t, h, slug, "/api/items/1")
		}
	}
	c.Advance(time.Minute)
	request(t, h, "big_a", "/api/items/1") // re-ranks
	for range 10 {
		request(t, h, "big_b", "/api/items/1")
		request(t, h, "big_c", "/api/items/1")
	}
	got := tenantValues(t, m)
	for _, slug := range []string{"big_a", "big_b", "big_c", OtherTenant} {
		if got[slug] == 0 {
			t.Errorf("tenant label %q missing: %v", slug, got)
		}
	}
	if len(got) != k+1 {
		t.Errorf("tenant label values: %v, want the %d busiest and %q", got, k, OtherTenant)
	}
}

func TestQuietSpellKeepsTheNamedTenants(t *testing.T) {
	t.Parallel()
	m, c, h := setup(t, 5)
	request(t, h, "acme", "/api/items/1")
	for range 5 { // five quiet intervals: the summary decays to nothing
		c.Advance(time.Minute)
		request(t, h, "", "/api/items/1")
	}
	request(t, h, "acme", "/api/items/1")
	if got := tenantValues(t, m)["acme"]; got != 2 {
		t.Fatalf("acme counted %v, want 2 (its series kept through the quiet spell)", got)
	}
}

func TestReservedLabelValues(t *testing.T) {
	t.Parallel()
	m, _, h := setup(t, 5)
	request(t, h, "", "/api/items/1")
	request(t, h, "other", "/api/items/1")
	request(t, h, "none", "/api/items/1")
	got := tenantValues(t, m)
	if got[NoTenant] != 1 || got[OtherTenant] != 2 || len(got) != 2 {
		t.Fatalf("tenant label values %v, want none: 1 and other: 2 (tenants named other and none are counted as other)", got)
	}
}

func TestNoTenantLabels(t *testing.T) {
	t.Parallel()
	m, _, h := setup(t, NoTenantLabels)
	request(t, h, "acme", "/api/items/1")
	if got := tenantValues(t, m); got[OtherTenant] != 1 || len(got) != 1 {
		t.Fatalf("tenant label values %v, want only other", got)
	}
}

func withTenantSlug(ctx context.Context, slug string) context.Context {
	return tenantry.WithTenant(ctx, &tenantry.Tenant{Slug: slug})
}
