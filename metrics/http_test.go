package metrics

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestLabels(t *testing.T) {
	t.Parallel()
	routes := []struct{ pattern, want string }{
		{"", "unmatched"},
		{"/", "/"},
		{"GET /api/items/{id}", "/api/items/{id}"},
		{"/api/", "/api/"},
	}
	for _, c := range routes {
		if got := routeLabel(c.pattern); got != c.want {
			t.Errorf("routeLabel(%q) = %q, want %q", c.pattern, got, c.want)
		}
	}
	classes := []struct {
		code int
		want string
	}{{200, "2xx"}, {204, "2xx"}, {301, "3xx"}, {404, "4xx"}, {499, "4xx"}, {503, "5xx"}, {0, "unknown"}, {600, "unknown"}}
	for _, c := range classes {
		if got := statusClass(c.code); got != c.want {
			t.Errorf("statusClass(%d) = %q, want %q", c.code, got, c.want)
		}
	}
	methods := []struct{ method, want string }{{"GET", "GET"}, {"PATCH", "PATCH"}, {"BREW", "OTHER"}, {"get", "OTHER"}}
	for _, c := range methods {
		if got := methodLabel(c.method); got != c.want {
			t.Errorf("methodLabel(%q) = %q, want %q", c.method, got, c.want)
		}
	}
}

func TestRouteIsThePatternNotThePath(t *testing.T) {
	t.Parallel()
	m, _, h := setup(t, 5)
	for _, path := range []string{"/api/items/1", "/api/items/2", "/api/items/3"} {
		request(t, h, "acme", path)
	}
	request(t, h, "acme", "/no/such/path")
	want := `
# HELP tenantry_http_requests_total HTTP requests answered, by method, route pattern, status class (2xx...) and tenant (the busiest by slug, then other; none without a tenant).
# TYPE tenantry_http_requests_total counter
tenantry_http_requests_total{method="GET",route="/",status_class="4xx",tenant="acme"} 1
tenantry_http_requests_total{method="GET",route="/api/items/{id}",status_class="2xx",tenant="acme"} 3
`
	if err := testutil.GatherAndCompare(m.reg, strings.NewReader(want), "tenantry_http_requests_total"); err != nil {
		t.Fatal(err)
	}
}

func TestHandlerWithoutRouteCountsUnmatched(t *testing.T) {
	t.Parallel()
	m, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		w.WriteHeader(http.StatusOK) // ignored: the first final status counts
	}))
	request(t, h, "", "/x")
	if got := testutil.ToFloat64(m.http.requests.WithLabelValues("GET", "unmatched", "4xx", NoTenant)); got != 1 {
		t.Fatalf("unmatched 4xx requests = %v, want 1", got)
	}
}

func TestConfigRefusesWhatItCannotUse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"pool without purpose", Config{Pools: map[string]*pgxpool.Pool{"": nil}}, "purpose"},
		{"negative interval", Config{RankInterval: -1}, "negative"},
	}
	for _, c := range cases {
		if _, err := New(&c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}
