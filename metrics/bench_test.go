package metrics

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkBareMux is BenchmarkMiddleware's baseline: the mux alone.
func BenchmarkBareMux(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {})
	r := httptest.NewRequest("GET", "/api/items/1", nil)
	w := httptest.NewRecorder()
	for range b.N {
		mux.ServeHTTP(w, r)
	}
}

// BenchmarkMiddleware measures what counting costs a request: ten thousand
// tenants in turn (the summary's worst case: nearly every request replaces
// its smallest entry) or one tenant.
func BenchmarkMiddleware(b *testing.B) {
	for _, tenants := range []int{1, 10_000} {
		b.Run(fmt.Sprintf("tenants=%d", tenants), func(b *testing.B) {
			m, err := New(&Config{RankInterval: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {})
			h := m.Middleware(Route(mux))
			reqs := make([]*http.Request, tenants)
			for i := range reqs {
				r := httptest.NewRequest("GET", "/api/items/1", nil)
				reqs[i] = r.WithContext(withTenantSlug(r.Context(), fmt.Sprintf("t%05d", i)))
			}
			w := httptest.NewRecorder()
			b.ResetTimer()
			for i := range b.N {
				h.ServeHTTP(w, reqs[i%tenants])
			}
		})
	}
}
