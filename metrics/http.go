package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tenantry/tenantry"
)

// httpMetrics are the request metrics.
type httpMetrics struct {
	requests       *prometheus.CounterVec   // method, route, status_class, tenant
	duration       *prometheus.HistogramVec // method, route
	tenantDuration *prometheus.HistogramVec // tenant
}

func newHTTPMetrics() *httpMetrics {
	return &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantry_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern, status class (2xx...) and tenant (the busiest by slug, then other; none without a tenant).",
		}, []string{"method", "route", "status_class", "tenant"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tenantry_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		tenantDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tenantry_http_tenant_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by tenant (the busiest by slug, then other; none without a tenant).",
			Buckets: []float64{.005, .025, .1, .5, 2.5, 10},
		}, []string{"tenant"}),
	}
}

func (h *httpMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{h.requests, h.duration, h.tenantDuration}
}

// requestNote travels in a request's context from Middleware down to the
// muxes, which write into it what Middleware cannot see from outside.
type requestNote struct {
	route  string // the pattern of the innermost mux that matched
	tenant string // the slug of the request's tenant, if any
}

type noteKey struct{}

// Middleware counts and times every request next answers. Wrap the
// server's muxes (the innermost ones at least) with Route so that the
// route label is the pattern they matched rather than "unmatched".
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		note := &requestNote{}
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if rec.status == 0 { // nothing written: net/http sends 200
				rec.status = http.StatusOK
			}
			m.observe(r.Method, note, rec.status, time.Since(start))
		}()
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), noteKey{}, note)))
	})
}

// Route records, for Middleware, the pattern that next (a
// net/http.ServeMux, which sets Request.Pattern) matched, and the tenant
// in the request's context. The innermost Route of a request wins. Outside
// Middleware it costs one context lookup.
func Route(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		note, ok := r.Context().Value(noteKey{}).(*requestNote)
		if !ok {
			return
		}
		if note.route == "" && r.Pattern != "" {
			note.route = r.Pattern
		}
		if t, ok := tenantry.FromContext(r.Context()); ok && t != nil && note.tenant == "" {
			note.tenant = t.Slug
		}
	})
}

// observe counts one request, re-ranking the tenants first when due.
func (m *Metrics) observe(method string, note *requestNote, status int, took time.Duration) {
	if m.tenants.due() {
		m.rerank()
	}
	m.series.RLock()
	defer m.series.RUnlock()
	tenant := m.tenants.label(note.tenant)
	method, route := methodLabel(method), routeLabel(note.route)
	m.http.requests.WithLabelValues(method, route, statusClass(status), tenant).Inc()
	m.http.duration.WithLabelValues(method, route).Observe(took.Seconds())
	m.http.tenantDuration.WithLabelValues(tenant).Observe(took.Seconds())
}

// rerank re-ranks the tenants and deletes the series of those that lost
// their label, with no request being counted meanwhile.
func (m *Metrics) rerank() {
	m.series.Lock()
	defer m.series.Unlock()
	if !m.tenants.due() { // another request did it while this one waited
		return
	}
	for _, slug := range m.tenants.rerank() {
		m.http.requests.DeletePartialMatch(prometheus.Labels{"tenant": slug})
		m.http.tenantDuration.DeleteLabelValues(slug)
	}
}

// methodLabel bounds the method label to the standard methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// routeLabel is a pattern's path ("GET /api/items/{id}" -> "/api/items/{id}").
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if _, path, ok := strings.Cut(pattern, " "); ok {
		pattern = strings.TrimSpace(path)
	}
	return pattern
}

// statusClass is "2xx" for 200 to 299, and so on.
func statusClass(code int) string {
	if code < 100 || code > 599 {
		return "unknown"
	}
	return strconv.Itoa(code/100) + "xx"
}

// recorder remembers the status of the response: the first final one
// sent, 200 when the handler only writes, and 200 too when it writes
// nothing (net/http then sends 200).
type recorder struct {
	http.ResponseWriter
	status int
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
