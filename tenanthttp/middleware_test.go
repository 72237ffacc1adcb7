package tenanthttp_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenanthttp"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

const problemJSON = "application/problem+json"

// setup creates tenants alpha (alpha.test) and beta (beta.test) in a fresh
// database and returns the middleware, configured by cfg, in front of
// tenantEcho. A nil cfg means localhost as the fallback domain, served by
// publicSite.
func setup(t *testing.T, cfg *tenanthttp.Config) (*tenanttest.Env, http.Handler) {
	t.Helper()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "alpha")
	env.CreateTenant(t, "beta")
	if cfg == nil {
		cfg = &tenanthttp.Config{FallbackDomains: []string{"localhost"}, Public: publicSite()}
	}
	return env, tenanthttp.Middleware(env.Registry, cfg)(tenantEcho())
}

// tenantEcho answers "tenant=<slug>" for the tenant the middleware gave it,
// and 418 if it was given none.
func tenantEcho() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, ok := tenanthttp.Tenant(r)
		if !ok {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		fmt.Fprintf(w, "tenant=%s", t.Slug)
	})
}

// publicSite answers "public", or "public+tenant" if a tenant reached it.
func publicSite() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := tenanthttp.Tenant(r); ok {
			fmt.Fprint(w, "public+tenant")
			return
		}
		fmt.Fprint(w, "public")
	})
}

// serve sends h a GET / with the given Host.
func serve(h http.Handler, host string) *httptest.ResponseRecorder {
	return serveURL(h, "/", host)
}

// serveURL sends h a GET of target, a path or an absolute URL, with the
// given Host.
func serveURL(h http.Handler, target, host string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Host = host
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// checkProblem asserts a problem document with the given status and
// returns it.
func checkProblem(t *testing.T, status int, header http.Header, body []byte) problem {
	t.Helper()
	if ct := header.Get("Content-Type"); ct != problemJSON {
		t.Errorf("Content-Type = %q, want %q", ct, problemJSON)
	}
	var p problem
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	want := problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: p.Detail}
	if p != want {
		t.Errorf("problem = %+v, want %+v", p, want)
	}
	return p
}

// checkNoLeak asserts that body names no tenant that host does not name.
func checkNoLeak(t *testing.T, host string, body []byte) {
	t.Helper()
	for _, s := range []string{"alpha", "beta", "Tenant ", "tenant_"} {
		if bytes.Contains(body, []byte(s)) && !strings.Contains(strings.ToLower(host), strings.ToLower(s)) {
			t.Errorf("body %q reveals %q", body, s)
		}
	}
}

func TestHostsRouteToTheirTenantAndHostileHostsAreRefused(t *testing.T) {
	t.Parallel()
	_, h := setup(t, nil)
	long := strings.Repeat("a", 10<<10) + ".test"
	tests := []struct {
		name   string
		host   string
		status int
		body   string // exact body of a 200
		detail string // detail of an error contains this
		target string // request target; default "/"
	}{
		{"plain", "alpha.test", 200, "tenant=alpha", "", ""},
		{"port", "alpha.test:8000", 200, "tenant=alpha", "", ""},
		{"case and trailing dot", "ALPHA.Test.", 200, "tenant=alpha", "", ""},
		{"other tenant", "beta.test", 200, "tenant=beta", "", ""},
		{"fallback", "localhost", 200, "public", "", ""},
		{"fallback with port and case", "LocalHost.:8000", 200, "public", "", ""},
		{"empty", "", 400, "", "must not be empty", ""},
		{"empty, absolute URL", "", 200, "tenant=beta", "", "http://beta.test/"},
		{"dot", ".", 400, "", "must not be empty", ""},
		{"dots", "..", 400, "", "empty label", ""},
		{"leading dot", ".alpha.test", 400, "", "empty label", ""},
		{"port out of range", "alpha.test:99999", 400, "", "port", ""},
		{"empty port", "alpha.test:", 400, "", "port", ""},
		{"10 KB", long, 400, "", "longer", ""},
		{"CRLF injection", "alpha.test\r\nX: y", 400, "", "may contain only", ""},
		{"NUL", "alpha.test\x00", 400, "", "may contain only", ""},
		{"userinfo", "evil@alpha.test", 400, "", "may contain only", ""},
		{"path", "alpha.test/x", 400, "", "may contain only", ""},
		{"space", " alpha.test", 400, "", "may contain only", ""},
		{"non-ASCII", "аlpha.test", 400, "", "ASCII", ""}, // Cyrillic а
		{"bad IPv6", "[::1", 400, "", "'['", ""},
		{"IPv4", "127.0.0.1:8000", 404, "", "no tenant serves this host", ""},
		{"IPv6", "[::1]:8000", 404, "", "no tenant serves this host", ""},
		{"unknown", "gamma.test", 404, "", "no tenant serves this host", ""},
		{"suffix of a tenant", "alpha.test.evil.com", 404, "", "no tenant serves this host", ""},
		{"subdomain of a tenant", "www.alpha.test", 404, "", "no tenant serves this host", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := serveURL(h, cmp.Or(tc.target, "/"), tc.host)
			if w.Code != tc.status {
				t.Fatalf("status = %d, want %d; body %q", w.Code, tc.status, w.Body)
			}
			if tc.status == http.StatusOK {
				if got := w.Body.String(); got != tc.body {
					t.Errorf("body = %q, want %q", got, tc.body)
				}
				return
			}
			p := checkProblem(t, tc.status, w.Header(), w.Body.Bytes())
			if !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("detail = %q, want it to contain %q", p.Detail, tc.detail)
			}
			if w.Body.Len() > 300 {
				t.Errorf("body is %d bytes, want a short one", w.Body.Len())
			}
			checkNoLeak(t, tc.host, w.Body.Bytes())
		})
	}
}

func TestFallbackDomains(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil) // no tenants: fallback hosts are never looked up
	t.Run("IP address served only when listed", func(t *testing.T) {
		cfg := &tenanthttp.Config{FallbackDomains: []string{"127.0.0.1", "[0:0::1]"}, Public: publicSite()}
		h := tenanthttp.Middleware(env.Registry, cfg)(tenantEcho())
		for _, host := range []string{"127.0.0.1:8000", "[::1]:8000", "[::1]"} {
			if w := serve(h, host); w.Code != http.StatusOK || w.Body.String() != "public" {
				t.Errorf("%s: got %d %q, want 200 public", host, w.Code, w.Body)
			}
		}
		w := serve(h, "10.0.0.1")
		checkProblem(t, http.StatusNotFound, w.Header(), w.Body.Bytes())
	})
	t.Run("no Public handler is 404", func(t *testing.T) {
		cfg := &tenanthttp.Config{FallbackDomains: []string{"localhost"}}
		w := serve(tenanthttp.Middleware(env.Registry, cfg)(tenantEcho()), "localhost")
		checkProblem(t, http.StatusNotFound, w.Header(), w.Body.Bytes())
	})
	t.Run("tenant in the context does not reach Public", func(t *testing.T) {
		cfg := &tenanthttp.Config{FallbackDomains: []string{"localhost"}, Public: publicSite()}
		h := tenanthttp.Middleware(env.Registry, cfg)(tenantEcho())
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Host = "localhost"
		r = r.WithContext(tenantry.WithTenant(r.Context(), &tenantry.Tenant{Slug: "outer"}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Body.String() != "public" {
			t.Errorf("body = %q, want public", w.Body)
		}
	})
}

func setStatus(t *testing.T, env *tenanttest.Env, slug string, st tenantry.Status) {
	t.Helper()
	if _, err := env.Registry.SetStatus(t.Context(), slug, st); err != nil {
		t.Fatalf("set %s %s: %v", slug, st, err)
	}
}

// checkServed asserts that host reaches its tenant.
func checkServed(t *testing.T, h http.Handler, host, slug string) {
	t.Helper()
	if w := serve(h, host); w.Code != http.StatusOK || w.Body.String() != "tenant="+slug {
		t.Fatalf("%s: got %d %q, want 200 tenant=%s", host, w.Code, w.Body, slug)
	}
}

func TestSuspendedTenantGets503UntilReactivated(t *testing.T) {
	t.Parallel()
	env, h := setup(t, nil)
	checkServed(t, h, "alpha.test", "alpha") // now cached
	setStatus(t, env, "alpha", tenantry.StatusSuspended)

	w := serve(h, "alpha.test")
	p := checkProblem(t, http.StatusServiceUnavailable, w.Header(), w.Body.Bytes())
	if p.Detail != "this tenant is suspended" {
		t.Errorf("detail = %q", p.Detail)
	}
	if ra := w.Header().Get("Retry-After"); ra != "3600" {
		t.Errorf("Retry-After = %q, want 3600", ra)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	checkServed(t, h, "beta.test", "beta")
	checkRetryAfterIsConfigurable(t, env)

	setStatus(t, env, "alpha", tenantry.StatusActive)
	checkServed(t, h, "alpha.test", "alpha")
}

// checkRetryAfterIsConfigurable asserts the Retry-After that
// Config.RetryAfter gives the suspended tenant alpha.
func checkRetryAfterIsConfigurable(t *testing.T, env *tenanttest.Env) {
	t.Helper()
	tests := []struct {
		retryAfter time.Duration
		want       string // "" means no header
	}{
		{90 * time.Second, "90"},
		{1500 * time.Millisecond, "2"},
		{time.Millisecond, "1"},
		{-1, ""},
	}
	for _, tc := range tests {
		h := tenanthttp.Middleware(env.Registry, &tenanthttp.Config{RetryAfter: tc.retryAfter})(tenantEcho())
		w := serve(h, "alpha.test")
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != tc.want {
			t.Errorf("RetryAfter %v: got %d, Retry-After %q; want 503, %q",
				tc.retryAfter, w.Code, w.Header().Get("Retry-After"), tc.want)
		}
	}
}

func TestTerminatedTenantGets503WithoutRetryAfter(t *testing.T) {
	t.Parallel()
	env, h := setup(t, nil)
	checkServed(t, h, "alpha.test", "alpha")
	setStatus(t, env, "alpha", tenantry.StatusTerminated)

	w := serve(h, "alpha.test")
	p := checkProblem(t, http.StatusServiceUnavailable, w.Header(), w.Body.Bytes())
	if p.Detail != "this tenant is terminated" {
		t.Errorf("detail = %q", p.Detail)
	}
	if ra, ok := w.Header()["Retry-After"]; ok {
		t.Errorf("Retry-After = %q, want none", ra)
	}
	checkServed(t, h, "beta.test", "beta")
}

func TestLookupFailureIs500AndLogged(t *testing.T) {
	t.Parallel()
	pool := tenanttest.Pool(t, tenanttest.AdminURL(t))
	pool.Close() // every lookup now fails
	var logs bytes.Buffer
	h := tenanthttp.Middleware(registry.New(pool, nil), &tenanthttp.Config{
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})(tenantEcho())

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Host = "Alpha.test:8000"
	r.Header.Set("X-Request-ID", "req-42")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)

	p := checkProblem(t, http.StatusInternalServerError, w.Header(), w.Body.Bytes())
	if p.Detail != "internal error" {
		t.Errorf("detail = %q, want internal error", p.Detail)
	}
	var rec struct {
		Level, Msg, Host, Err string
		RequestID             string `json:"request_id"`
	}
	if err := json.Unmarshal(logs.Bytes(), &rec); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	if rec.Level != "ERROR" || rec.Host != "alpha.test" || rec.RequestID != "req-42" || !strings.Contains(rec.Err, "closed") {
		t.Errorf("log record = %+v", rec)
	}
	if strings.Contains(w.Body.String(), "closed") {
		t.Errorf("body %q reveals the internal error", w.Body)
	}
}

func TestLookupWithTheDatabaseDownIs503WithRetryAfter(t *testing.T) {
	t.Parallel()
	// A pool on a socket directory where no server listens: every
	// connection attempt is refused, as while PostgreSQL restarts.
	pool := tenanttest.Pool(t, "postgres://app@/postgres?host="+url.QueryEscape(t.TempDir())+"&port=5432")
	var logs bytes.Buffer
	h := tenanthttp.Middleware(registry.New(pool, nil), &tenanthttp.Config{
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})(tenantEcho())

	for _, host := range []string{"alpha.test", "no-such-tenant.test"} {
		w := serve(h, host)
		p := checkProblem(t, http.StatusServiceUnavailable, w.Header(), w.Body.Bytes())
		if p.Detail != tenanthttp.DatabaseUnavailable {
			t.Errorf("%s: detail = %q, want %q", host, p.Detail, tenanthttp.DatabaseUnavailable)
		}
		if ra := w.Header().Get("Retry-After"); ra != "1" {
			t.Errorf("%s: Retry-After = %q, want 1", host, ra)
		}
	}
	if logs.Len() != 0 {
		t.Errorf("an outage is logged per request at info level or above: %s", logs.String())
	}
}

// resolverFunc adapts a function to tenanthttp.Resolver.
type resolverFunc func(ctx context.Context, host string) (*tenantry.Tenant, error)

func (f resolverFunc) Lookup(ctx context.Context, host string) (*tenantry.Tenant, error) {
	return f(ctx, host)
}

func TestResolverReturningNothingIs500(t *testing.T) {
	res := resolverFunc(func(context.Context, string) (*tenantry.Tenant, error) { return nil, nil })
	w := serve(tenanthttp.Middleware(res, nil)(tenantEcho()), "alpha.test")
	checkProblem(t, http.StatusInternalServerError, w.Header(), w.Body.Bytes())
}

func TestMiddlewarePanicsOnBadConfig(t *testing.T) {
	tests := []struct {
		name string
		res  tenanthttp.Resolver
		cfg  *tenanthttp.Config
		want string
	}{
		{"nil resolver", nil, nil, "needs a Resolver"},
		{"bad fallback", resolverFunc(nil), &tenanthttp.Config{FallbackDomains: []string{"localhost", "a..b"}}, "FallbackDomains[1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if msg := fmt.Sprint(recover()); !strings.Contains(msg, tc.want) {
					t.Errorf("panic %q, want it to contain %q", msg, tc.want)
				}
			}()
			tenanthttp.Middleware(tc.res, tc.cfg)
		})
	}
}

func TestWriteProblem(t *testing.T) {
	w := httptest.NewRecorder()
	w.Header().Set("Retry-After", "5")
	tenanthttp.WriteProblem(w, http.StatusTeapot, `a "quoted" <detail>`)
	p := checkProblem(t, http.StatusTeapot, w.Header(), w.Body.Bytes())
	if p.Detail != `a "quoted" <detail>` || w.Header().Get("Retry-After") != "5" {
		t.Errorf("got %+v, Retry-After %q", p, w.Header().Get("Retry-After"))
	}
}

// rawRequest sends raw bytes to addr and reads one response.
func rawRequest(t *testing.T, addr, raw string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, body
}

func TestHostileHostsOverTheWire(t *testing.T) {
	t.Parallel()
	_, h := setup(t, nil)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	get := func(host string) string {
		return "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"
	}
	tests := []struct {
		name   string
		raw    string
		status int
		body   string // exact body of a 200
		ours   bool   // an error answered by the middleware, not net/http
	}{
		{"tenant", get("alpha.test"), 200, "tenant=alpha", false},
		{"case, dot and port", get("ALPHA.test.:8000"), 200, "tenant=alpha", false},
		{"other tenant", get("beta.test"), 200, "tenant=beta", false},
		{"fallback", get("localhost:8000"), 200, "public", false},
		{"absolute URL wins over Host", "GET http://beta.test/ HTTP/1.1\r\nHost: alpha.test\r\nConnection: close\r\n\r\n", 200, "tenant=beta", false},
		{"bad port", get("alpha.test:99999"), 400, "", true},
		{"underscore", get("alpha_test"), 400, "", true},
		{"10 KB", get(strings.Repeat("a", 10<<10)), 400, "", true},
		{"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 400, "", true},
		{"IP address", get("127.0.0.1"), 404, "", true},
		{"unknown", get("gamma.test"), 404, "", true},
		{"two Host headers", "GET / HTTP/1.1\r\nHost: gamma.test\r\nHost: alpha.test\r\nConnection: close\r\n\r\n", 400, "", false},
		{"HTTP/1.1 without Host", "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 400, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, body := rawRequest(t, srv.Listener.Addr().String(), tc.raw)
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d; body %q", resp.StatusCode, tc.status, body)
			}
			if tc.status == http.StatusOK && string(body) != tc.body {
				t.Errorf("body = %q, want %q", body, tc.body)
			}
			if tc.ours {
				checkProblem(t, tc.status, resp.Header, body)
			}
			if tc.status != http.StatusOK {
				checkNoLeak(t, tc.raw, body)
			}
		})
	}
}
