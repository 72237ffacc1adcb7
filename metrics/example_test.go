package metrics_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/metrics"
)

// Count an application's requests by route pattern and tenant, and serve
// the metrics.
func Example() {
	m, err := metrics.New(&metrics.Config{Tenants: 20})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {})
	// Middleware counts; Route tells it which pattern the mux matched.
	h := m.Middleware(metrics.Route(mux))

	r := httptest.NewRequest("GET", "/api/items/42", nil)
	r = r.WithContext(tenantry.WithTenant(r.Context(), &tenantry.Tenant{Slug: "acme"}))
	h.ServeHTTP(httptest.NewRecorder(), r)

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "tenantry_http_requests_total{") {
			fmt.Println(sc.Text())
		}
	}
	// Output:
	// tenantry_http_requests_total{method="GET",route="/api/items/{id}",status_class="2xx",tenant="acme"} 1
}
