package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func setup(t *testing.T) (*tenanttest.Env, *httptest.Server, *lockedBuffer) {
	t.Helper()
	env := tenanttest.Setup(t, withItems)
	env.CreateTenant(t, "alpha")
	env.CreateTenant(t, "beta")
	logs := &lockedBuffer{}
	signer, err := auth.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(&api.Config{Routes: itemRoutes, Pool: env.Pool, Resolver: env.Registry, DB: env.DB, Signer: signer,
		FallbackDomains: []string{"example.test"}, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return env, srv, logs
}

func get(t *testing.T, srv *httptest.Server, host, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestTenantInfoIsTheHostsTenant(t *testing.T) {
	t.Parallel()
	_, srv, _ := setup(t)
	for _, c := range []struct{ host, path, schema string }{
		{"alpha.test", "/api/tenant/", "tenant_alpha"},
		{"ALPHA.test.:8000", "/api/tenant", "tenant_alpha"},
		{"beta.test", "/api/tenant/", "tenant_beta"},
	} {
		resp, body := get(t, srv, c.host, c.path)
		var info map[string]string
		if err := json.Unmarshal([]byte(body), &info); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s%s: %d %s", c.host, c.path, resp.StatusCode, body)
		}
		want := map[string]string{"schema": c.schema, "locale": "en", "timezone": "UTC", "currency": "USD"}
		for k, v := range want {
			if info[k] != v {
				t.Errorf("GET %s%s: %s = %q, want %q", c.host, c.path, k, info[k], v)
			}
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	env, srv, _ := setup(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		for _, host := range []string{"127.0.0.1", "alpha.test", "unknown.test"} {
			if resp, body := get(t, srv, host, path); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s on %s: %d %s", path, host, resp.StatusCode, body)
			}
		}
	}
	if _, err := env.Pool.Exec(context.Background(), "DELETE FROM public.tenantry_migrations WHERE version = (SELECT max(version) FROM public.tenantry_migrations)"); err != nil {
		t.Fatal(err)
	}
	if resp, body := get(t, srv, "127.0.0.1", "/readyz"); resp.StatusCode != http.StatusServiceUnavailable ||
		!strings.Contains(body, "tenantry migrate") {
		t.Errorf("readyz with a shared migration missing: %d %s", resp.StatusCode, body)
	}
}

func TestPublicSiteKnowsNoTenant(t *testing.T) {
	t.Parallel()
	_, srv, _ := setup(t)
	resp, body := get(t, srv, "example.test", "/")
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "alpha") {
		t.Errorf("public site: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, srv, "example.test", "/api/tenant/"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("tenant API on the public site: got %d, want 404", resp.StatusCode)
	}
}

func TestUnknownEndpointIsProblemJSON(t *testing.T) {
	t.Parallel()
	_, srv, _ := setup(t)
	resp, body := get(t, srv, "alpha.test", "/api/nothing-here/")
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(body, "no such endpoint") {
		t.Errorf("got %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestSuspendedTenantGets503(t *testing.T) {
	t.Parallel()
	env, srv, _ := setup(t)
	if _, err := env.Registry.SetStatus(context.Background(), "alpha", tenantry.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if resp, body := get(t, srv, "alpha.test", "/api/tenant/"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("suspended tenant: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, srv, "beta.test", "/api/tenant/"); resp.StatusCode != http.StatusOK {
		t.Errorf("the other tenant: got %d, want 200", resp.StatusCode)
	}
}

func TestRequestLogCarriesTenantAndRequestID(t *testing.T) {
	t.Parallel()
	_, srv, logs := setup(t)
	resp, _ := get(t, srv, "beta.test", "/api/tenant/", "X-Request-Id", "trace-42")
	if got := resp.Header.Get("X-Request-Id"); got != "trace-42" {
		t.Errorf("response request id %q, want the client's", got)
	}
	resp, _ = get(t, srv, "beta.test", "/api/tenant/", "X-Request-Id", "bad id with spaces")
	generated := resp.Header.Get("X-Request-Id")
	if generated == "" || strings.Contains(generated, " ") {
		t.Errorf("an unusable client request id was kept or none made: %q", generated)
	}
	found := map[string]bool{}
	for _, l := range logs.lines() {
		if l["msg"] == "request" && l["tenant"] == "beta" && l["status"] == float64(200) {
			found[l["request_id"].(string)] = true
		}
	}
	if !found["trace-42"] || !found[generated] {
		t.Errorf("log lines %v lack the requests' tenant and ids", logs.lines())
	}
}

func TestOversizedBodyIsRefused(t *testing.T) {
	t.Parallel()
	_, srv, _ := setup(t)
	req, _ := http.NewRequest("POST", srv.URL+"/api/tenant/", strings.NewReader(strings.Repeat("x", api.MaxBodyBytes+1)))
	req.Host = "alpha.test"
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		t.Errorf("a 1 MiB+ body got %d", resp.StatusCode)
	}
}
