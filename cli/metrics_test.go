package cli

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// getHost fetches http://addr/path with the Host host and returns the status
// and body.
func getHost(t *testing.T, addr, host, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

const testSecret = "TENANTRY_SECRET_KEY=a-test-secret-that-is-at-least-32-bytes-long"

// TestMetricsOnTheBaseDomainOnly runs "tenantry serve": /metrics answers on
// the base domain with the requests by route pattern and tenant, and is the
// application's 404 on a tenant's host.
func TestMetricsOnTheBaseDomainOnly(t *testing.T) {
	url := setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "demo")
	_, lines := startTenantry(t, []string{"DATABASE_URL=" + url, "TENANTRY_ADDR=127.0.0.1:0", testSecret}, "serve")
	addr := waitFor(t, lines, "serving")["addr"].(string)
	if code, body := getHost(t, addr, "school1.localhost", "/api/tenant/"); code != http.StatusOK {
		t.Fatalf("GET /api/tenant/ on school1: %d %s", code, body)
	}
	if code, _ := getHost(t, addr, "school1.localhost", "/api/items/5/"); code != http.StatusUnauthorized {
		t.Fatalf("GET /api/items/5/ on school1 without a token: %d, want 401", code)
	}
	if code, body := getHost(t, addr, "school1.localhost", "/metrics"); code != http.StatusNotFound || strings.Contains(body, "tenantry_") {
		t.Fatalf("GET /metrics on a tenant's host: %d %.200s, want the application's 404", code, body)
	}
	code, body := getHost(t, addr, "localhost", "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics on the base domain: %d %.200s", code, body)
	}
	for _, want := range []string{
		`tenantry_http_requests_total{method="GET",route="/api/tenant",status_class="2xx",tenant="school1"} 1`,
		`tenantry_http_requests_total{method="GET",route="/api/items/{id}",status_class="4xx",tenant="school1"} 1`,
		`tenantry_http_requests_total{method="GET",route="/",status_class="4xx",tenant="school1"} 1`,
		`tenantry_db_pool_max_connections{purpose="http"} 10`,
		`tenantry_db_pool_max_connections{purpose="jobs"} 14`,
		`tenantry_fleet_schemas{kind="dynamic",state="current"} 2`,
		`tenantry_registry_cache_lookups_total{result="miss"}`,
		`tenantry_metrics_database_up 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the base domain's /metrics lacks %s", want)
		}
	}
}

// TestMetricsOnTheirOwnListener runs "tenantry serve" and "tenantry worker"
// with TENANTRY_METRICS_ADDR: each serves /metrics there, and the base
// domain no longer does.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	url := setupCLI(t)
	mustRun(t, "migrate")
	env := []string{"DATABASE_URL=" + url, "TENANTRY_ADDR=127.0.0.1:0", "TENANTRY_METRICS_ADDR=127.0.0.1:0", testSecret}
	_, serveLines := startTenantry(t, env, "serve")
	metricsAddr := waitFor(t, serveLines, "serving metrics")["addr"].(string)
	addr := waitFor(t, serveLines, "serving")["addr"].(string)
	if code, _ := getHost(t, addr, "localhost", "/metrics"); code != http.StatusNotFound {
		t.Errorf("GET /metrics on the base domain with TENANTRY_METRICS_ADDR set: %d, want 404", code)
	}
	if code, body := getHost(t, metricsAddr, "anything", "/metrics"); code != http.StatusOK || !strings.Contains(body, `purpose="http"`) {
		t.Errorf("serve's metrics listener: %d %.300s", code, body)
	}
	_, workerLines := startTenantry(t, env, "worker")
	workerAddr := waitFor(t, workerLines, "serving metrics")["addr"].(string)
	code, body := getHost(t, workerAddr, "anything", "/metrics")
	if code != http.StatusOK || !strings.Contains(body, `tenantry_db_pool_max_connections{purpose="jobs"}`) ||
		!strings.Contains(body, "tenantry_spare_pool_target 5") {
		t.Errorf("worker's metrics listener: %d %.300s", code, body)
	}
}

func TestMetricsSettingsAreChecked(t *testing.T) {
	setupCLI(t)
	for _, v := range []string{"-1", "1001", "many"} {
		t.Run(v, func(t *testing.T) {
			t.Setenv("TENANTRY_METRICS_TENANTS", v)
			code, _, errOut := run(t, "worker")
			if code != ExitUsage || !strings.Contains(errOut, "TENANTRY_METRICS_TENANTS") {
				t.Errorf("exit %d, stderr %q; want %d naming TENANTRY_METRICS_TENANTS", code, errOut, ExitUsage)
			}
		})
	}
}
