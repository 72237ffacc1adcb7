package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/domains"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
	"github.com/tenantry/tenantry/tenanttest/dnstest"
)

// domainsEnv is setupPlatform's server with domains served: base domain
// test, the platform on platform.test, checks through a loopback DNS
// server; tenants alpha and beta.
type domainsEnv struct {
	*platformEnv
	dns *dnstest.Server
	op  string // an operator's token
}

func setupDomainsAPI(t *testing.T) *domainsEnv {
	t.Helper()
	env := tenanttest.Setup(t, withItems)
	env.CreateTenant(t, "alpha")
	env.CreateTenant(t, "beta")
	if _, err := auth.CreateOperator(context.Background(), env.Pool,
		auth.NewOperator{Username: "root", Email: "root@platform.test", Password: "operator-password"}); err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	dns := dnstest.Start(t)
	queue, err := jobs.New(jobs.Config{Pool: env.Pool, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := domains.New(env.Pool, &domains.Config{BaseDomain: "test", Reserved: []string{platformHost}, Resolver: dns.Addr,
		Jobs: queue.Client()})
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(&api.Config{Routes: itemRoutes, Pool: env.Pool, Resolver: env.Registry, DB: env.DB, Signer: signer,
		FallbackDomains: []string{platformHost}, Provisioner: env.Provisioner, Registry: env.Registry, Domains: svc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &domainsEnv{platformEnv: &platformEnv{env: env, srv: srv, signer: signer}, dns: dns}
	e.op = e.operatorToken(t)
	return e
}

// platform calls a platform operation as the operator.
func (e *domainsEnv) platform(t *testing.T, method, path string, body any) (int, string) {
	t.Helper()
	e.env.Registry.InvalidateAll() // what the notification does, without waiting for it
	code, _, out := e.do(t, method, platformHost, "/api/platform/tenants/"+path, e.op, body)
	return code, out
}

func decodeDomain(t *testing.T, body string) domains.Domain {
	t.Helper()
	var d domains.Domain
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return d
}

func TestPlatformDomainEndpoints(t *testing.T) {
	t.Parallel()
	e := setupDomainsAPI(t)
	code, body := e.platform(t, "POST", "alpha/domains/", map[string]any{"domain": "shop.alpha.test"})
	if d := decodeDomain(t, body); code != 201 || d.Status != domains.StatusVerified {
		t.Fatalf("add base subdomain: %d %s", code, body)
	}
	code, body = e.platform(t, "POST", "alpha/domains/", map[string]any{"domain": "alpha-shop.example", "primary": true})
	pending := decodeDomain(t, body)
	if code != 201 || pending.Status != domains.StatusPending || pending.Token == "" {
		t.Fatalf("add custom domain: %d %s", code, body)
	}
	if code, _, _ := e.do(t, "GET", "alpha-shop.example", "/api/tenant/", "", nil); code != 404 {
		t.Errorf("pending domain's host answered %d, want 404", code)
	}
	code, body = e.platform(t, "POST", "alpha/domains/alpha-shop.example/verify/", nil)
	if d := decodeDomain(t, body); code != 200 || d.Status != domains.StatusPending || !strings.Contains(d.LastError, "no TXT record") {
		t.Errorf("verify without proof: %d %s, want 200 pending with last_error", code, body)
	}
	e.dns.SetTXT("_tenantry.alpha-shop.example", pending.Token)
	code, body = e.platform(t, "POST", "alpha/domains/alpha-shop.example/verify/", nil)
	if d := decodeDomain(t, body); code != 200 || d.Status != domains.StatusVerified || !d.Primary {
		t.Fatalf("verify with proof: %d %s, want verified and primary", code, body)
	}
	code, _, body = e.do(t, "GET", "alpha-shop.example", "/api/tenant/", "", nil)
	if code != 200 || !strings.Contains(body, `"domain":"alpha-shop.example"`) {
		t.Errorf("verified domain's host: %d %s, want alpha with its new primary domain", code, body)
	}
	if code, body := e.platform(t, "POST", "alpha/domains/alpha.test/primary/", nil); code != 200 {
		t.Errorf("primary: %d %s", code, body)
	}
	if code, body := e.platform(t, "DELETE", "alpha/domains/alpha-shop.example/", nil); code != 204 {
		t.Errorf("remove: %d %s", code, body)
	}
	code, body = e.platform(t, "GET", "alpha/domains/", nil)
	if code != 200 || strings.Contains(body, "alpha-shop.example") || !strings.Contains(body, "shop.alpha.test") {
		t.Errorf("list: %d %s", code, body)
	}
}

func TestPlatformDomainEndpointsRefuseBadInput(t *testing.T) {
	t.Parallel()
	e := setupDomainsAPI(t)
	e.platform(t, "POST", "beta/domains/", map[string]any{"domain": "beta-pending.example"})
	cases := []struct {
		method, path string
		body         any
		want         int
		says         string
	}{
		{"POST", "alpha/domains/", map[string]any{"domain": "192.0.2.1"}, 422, "not an IP address"},
		{"POST", "alpha/domains/", map[string]any{"domain": "[::1]"}, 422, "not an IP address"},
		{"POST", "alpha/domains/", map[string]any{"domain": "*.alpha.example"}, 422, "wildcard"},
		{"POST", "alpha/domains/", map[string]any{"domain": "test"}, 422, "base domain"},
		{"POST", "alpha/domains/", map[string]any{"domain": "platform.test"}, 422, "platform"},
		{"POST", "alpha/domains/", map[string]any{"domain": "аlpha.test"}, 422, "plain ASCII"},
		{"POST", "alpha/domains/", map[string]any{"domain": strings.Repeat("a", 301)}, 422, "length"},
		{"POST", "alpha/domains/", map[string]any{"domain": ""}, 422, "length"},
		{"POST", "alpha/domains/", map[string]any{"domain": "x.example", "extra": 1}, 422, "unexpected property"},
		{"POST", "alpha/domains/", `{"domain":`, 400, ""},
		{"POST", "alpha/domains/", map[string]any{"domain": "beta.test"}, 409, "another tenant"},
		{"POST", "alpha/domains/", map[string]any{"domain": "BETA-pending.example."}, 409, "another tenant"},
		{"POST", "nobody/domains/", map[string]any{"domain": "x.example"}, 404, "tenant not found"},
		{"POST", "beta/domains/beta-pending.example/primary/", nil, 409, "not verified"},
		{"POST", "alpha/domains/beta-pending.example/primary/", nil, 404, "no such domain"},
		{"POST", "alpha/domains/nothing.example/verify/", nil, 404, "no such domain"},
		{"DELETE", "alpha/domains/alpha.test/", nil, 409, "primary domain cannot be removed"},
		{"DELETE", "alpha/domains/beta.test/", nil, 404, "no such domain"},
		{"DELETE", "alpha/domains/1.2.3.4/", nil, 422, "not an IP address"},
	}
	for _, c := range cases {
		code, body := e.platform(t, c.method, c.path, c.body)
		if code != c.want || !strings.Contains(body, c.says) {
			t.Errorf("%s %s %v: %d %s; want %d saying %q", c.method, c.path, c.body, code, body, c.want, c.says)
		}
	}
	if code, body := e.platform(t, "GET", "alpha/domains/", nil); code != 200 || strings.Count(body, `"domain":`) != 1 {
		t.Errorf("after refused requests alpha's domains: %d %s, want alpha.test alone", code, body)
	}
	// Without an operator's token, nothing.
	owner := e.token(t, "alpha.test", "/api/token/", "owner", "owner-password")
	for _, tok := range []string{"", owner, "garbage"} {
		if code, _, _ := e.do(t, "POST", platformHost, "/api/platform/tenants/alpha/domains/", tok,
			map[string]any{"domain": "x.example"}); code != 401 {
			t.Errorf("add a domain with token %.10q: %d, want 401", tok, code)
		}
	}
}

func TestTenantSeesAndVerifiesItsOwnDomains(t *testing.T) {
	t.Parallel()
	e := setupDomainsAPI(t)
	e.platform(t, "POST", "alpha/domains/", map[string]any{"domain": "alpha-shop.example"})
	e.platform(t, "POST", "beta/domains/", map[string]any{"domain": "beta-shop.example"})
	alpha, err := e.env.Registry.Find(context.Background(), "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.env.DB.InTenant(context.Background(), alpha, func(tx *tenantdb.Tx) error {
		for _, role := range []string{auth.RoleAdmin, auth.RoleMember} {
			if _, err := auth.CreateUser(context.Background(), tx, auth.NewUser{Username: role, Email: role + "@alpha.test",
				Password: role + "-password", Role: role}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	owner := e.token(t, "alpha.test", "/api/token/", "owner", "owner-password")
	admin := e.token(t, "alpha.test", "/api/token/", "admin", "admin-password")
	member := e.token(t, "alpha.test", "/api/token/", "member", "member-password")
	betaOwner := e.token(t, "beta.test", "/api/token/", "owner", "owner-password")
	code, _, body := e.do(t, "GET", "alpha.test", "/api/domains/", owner, nil)
	if code != 200 || !strings.Contains(body, "alpha-shop.example") || strings.Contains(body, "beta") {
		t.Errorf("owner lists: %d %s, want alpha's domains only", code, body)
	}
	cases := []struct {
		method, path, token string
		want                int
	}{
		{"GET", "/api/domains/", admin, 200},
		{"GET", "/api/domains/", member, 403},
		{"GET", "/api/domains/", betaOwner, 401},
		{"GET", "/api/domains/", "", 401},
		{"POST", "/api/domains/alpha-shop.example/verify/", admin, 202},
		{"POST", "/api/domains/alpha-shop.example/verify/", member, 403},
		{"POST", "/api/domains/beta-shop.example/verify/", owner, 404},
		{"POST", "/api/domains/nothing.example/verify/", owner, 404},
		{"POST", "/api/domains/1.2.3.4/verify/", owner, 422},
		{"POST", "/api/domains/alpha.test/verify/", owner, 202}, // verified: returned as it is
	}
	for _, c := range cases {
		if code, _, body := e.do(t, c.method, "alpha.test", c.path, c.token, nil); code != c.want {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, code, body, c.want)
		}
	}
}

func TestTLSAskAndVerificationFileOnTheServer(t *testing.T) {
	t.Parallel()
	e := setupDomainsAPI(t)
	_, body := e.platform(t, "POST", "alpha/domains/", map[string]any{"domain": "alpha-shop.example"})
	pending := decodeDomain(t, body)
	e.platform(t, "POST", "beta/terminate/", nil)
	ask := func(domain string) int {
		e.env.Registry.InvalidateAll()
		code, _, _ := e.do(t, "GET", "localhost", "/.well-known/tenantry/tls-ask?domain="+domain, "", nil)
		return code
	}
	for domain, want := range map[string]int{"alpha.test": 200, "platform.test": 200, "beta.test": 404,
		"alpha-shop.example": 404, "nobody.test": 404, "": 400} {
		if got := ask(domain); got != want {
			t.Errorf("tls-ask %q = %d, want %d", domain, got, want)
		}
	}
	code, _, body := e.do(t, "GET", "alpha-shop.example", "/.well-known/tenantry/"+pending.Token, "", nil)
	if code != 200 || body != pending.Token {
		t.Errorf("verification file on the pending domain: %d %q", code, body)
	}
	for host, path := range map[string]string{
		"alpha.test":         "/.well-known/tenantry/" + pending.Token, // another host
		"alpha-shop.example": "/.well-known/tenantry/" + strings.Repeat("a", 32),
	} {
		if code, _, _ := e.do(t, "GET", host, path, "", nil); code != 404 {
			t.Errorf("GET %s%s = %d, want 404", host, path, code)
		}
	}
}

func TestPlatformMaintenanceAndTerminate(t *testing.T) {
	t.Parallel()
	e := setupDomainsAPI(t)
	host := func() (int, http.Header) {
		e.env.Registry.InvalidateAll()
		code, h, _ := e.do(t, "GET", "alpha.test", "/api/tenant/", "", nil)
		return code, h
	}
	if code, body := e.platform(t, "POST", "alpha/maintenance/", map[string]any{"on": true}); code != 200 || !strings.Contains(body, `"maintenance":true`) {
		t.Fatalf("maintenance on: %d %s", code, body)
	}
	if code, h := host(); code != 503 || h.Get("Retry-After") != "30" {
		t.Errorf("alpha in maintenance: %d Retry-After %q, want 503 and 30", code, h.Get("Retry-After"))
	}
	if code, _, _ := e.do(t, "GET", "beta.test", "/api/tenant/", "", nil); code != 200 {
		t.Errorf("beta while alpha is in maintenance: %d, want 200", code)
	}
	e.platform(t, "POST", "alpha/maintenance/", map[string]any{"on": false})
	if code, _ := host(); code != 200 {
		t.Errorf("alpha after maintenance: %d", code)
	}
	code, body := e.platform(t, "POST", "alpha/terminate/", nil)
	if code != 200 || !strings.Contains(body, `"status":"terminated"`) || !strings.Contains(body, `"purge_after":`) {
		t.Fatalf("terminate: %d %s", code, body)
	}
	if code, h := host(); code != 503 || h.Get("Retry-After") != "" {
		t.Errorf("terminated alpha: %d Retry-After %q, want 503 without", code, h.Get("Retry-After"))
	}
	if code, body := e.platform(t, "POST", "alpha/activate/", nil); code != 200 || strings.Contains(body, "purge_after") {
		t.Errorf("activate: %d %s, want no purge date", code, body)
	}
	for _, c := range []struct {
		path string
		body any
		want int
	}{
		{"alpha/maintenance/", map[string]any{"on": "yes"}, 422},
		{"alpha/maintenance/", map[string]any{}, 422},
		{"nobody/maintenance/", map[string]any{"on": true}, 404},
		{"nobody/terminate/", nil, 404},
	} {
		if code, body := e.platform(t, "POST", c.path, c.body); code != c.want {
			t.Errorf("POST %s %v: %d %s, want %d", c.path, c.body, code, body, c.want)
		}
	}
}
