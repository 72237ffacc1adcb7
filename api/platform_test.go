package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenanttest"
)

// platformHost is the base domain of the platform tests' server.
const platformHost = "platform.test"

// platformEnv is a server with the platform API on platform.test, one
// tenant, alpha (alpha.test, owner "owner"), and one operator, root.
type platformEnv struct {
	env    *tenanttest.Env
	srv    *httptest.Server
	signer *auth.Signer
}

func setupPlatform(t *testing.T) *platformEnv {
	t.Helper()
	env := tenanttest.Setup(t, withItems)
	env.CreateTenant(t, "alpha")
	if _, err := auth.CreateOperator(context.Background(), env.Pool,
		auth.NewOperator{Username: "root", Email: "root@platform.test", Password: "operator-password"}); err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(&api.Config{Routes: itemRoutes, Pool: env.Pool, Resolver: env.Registry, DB: env.DB, Signer: signer,
		FallbackDomains: []string{platformHost}, Provisioner: env.Provisioner, Registry: env.Registry})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &platformEnv{env: env, srv: srv, signer: signer}
}

// do sends a request with an optional bearer token and body (a string is
// sent as it is, anything else as JSON) and returns the status, headers and
// body.
func (p *platformEnv) do(t *testing.T, method, host, path, token string, body any) (int, http.Header, string) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = strings.NewReader(string(j))
	}
	req, err := http.NewRequest(method, p.srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := p.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// token logs in on host at path and returns the access token.
func (p *platformEnv) token(t *testing.T, host, path, username, password string) string {
	t.Helper()
	code, _, body := p.do(t, "POST", host, path, "", map[string]string{"username": username, "password": password})
	var tok struct{ Access string }
	if err := json.Unmarshal([]byte(body), &tok); err != nil || code != http.StatusOK || tok.Access == "" {
		t.Fatalf("log in %s on %s%s: %d %s", username, host, path, code, body)
	}
	return tok.Access
}

func (p *platformEnv) operatorToken(t *testing.T) string {
	t.Helper()
	return p.token(t, platformHost, "/api/platform/token/", "root", "operator-password")
}

// platformEndpoint is every platform operation, by method and path, with a
// body where it takes one.
type platformEndpoint struct {
	method, path string
	body         any
}

var platformEndpoints = []platformEndpoint{
	{"GET", "/api/platform/tenants/", nil},
	{"POST", "/api/platform/tenants/", map[string]string{"slug": "gamma", "name": "Gamma", "domain": "gamma.test"}},
	{"GET", "/api/platform/tenants/alpha/", nil},
	{"POST", "/api/platform/tenants/alpha/suspend/", nil},
	{"POST", "/api/platform/tenants/alpha/activate/", nil},
	{"DELETE", "/api/platform/tenants/alpha/", nil},
	{"POST", "/api/platform/tenants/alpha/terminate/", nil},
	{"POST", "/api/platform/tenants/alpha/maintenance/", map[string]bool{"on": true}},
}

func TestPlatformOperatorLogin(t *testing.T) {
	t.Parallel()
	p := setupPlatform(t)
	tok := p.token(t, platformHost, "/api/platform/token", "ROOT", "operator-password")
	if c, err := p.signer.VerifyForOperator(tok); err != nil || c.Username != "root" || c.Role != "operator" {
		t.Errorf("operator token: %+v, %v", c, err)
	}
	p.token(t, platformHost, "/api/platform/token/", "root@platform.test", "operator-password")
	cases := []struct {
		name string
		body any
		code int
		msg  string
	}{
		{"wrong password", map[string]string{"username": "root", "password": "wrong-password"}, 401, "invalid username or password"},
		{"unknown operator", map[string]string{"username": "nobody", "password": "operator-password"}, 401, "invalid username or password"},
		{"tenant user", map[string]string{"username": "owner", "password": "owner-password"}, 401, "invalid username or password"},
		{"no username", map[string]string{"password": "operator-password"}, 422, "username or email is required"},
		{"no password", map[string]string{"username": "root"}, 422, "password"},
		{"unknown field", map[string]any{"username": "root", "password": "x", "admin": true}, 422, "unexpected property"},
		{"wrong type", map[string]any{"username": 7, "password": "x"}, 422, "expected string"},
		{"malformed JSON", `{"username": "root",`, 400, ""},
	}
	for _, c := range cases {
		code, _, body := p.do(t, "POST", platformHost, "/api/platform/token", "", c.body)
		if code != c.code || !strings.Contains(body, c.msg) {
			t.Errorf("%s: %d %s; want %d and %q", c.name, code, body, c.code, c.msg)
		}
	}
}

func TestPlatformOperatorLoginIsThrottled(t *testing.T) {
	t.Parallel()
	p := setupPlatform(t)
	wrong := map[string]string{"username": "root", "password": "wrong-password"}
	for i := 0; i < auth.MaxFailures; i++ {
		if code, _, body := p.do(t, "POST", platformHost, "/api/platform/token", "", wrong); code != 401 {
			t.Fatalf("failure %d: %d %s", i+1, code, body)
		}
	}
	right := map[string]string{"username": "root", "password": "operator-password"}
	code, h, body := p.do(t, "POST", platformHost, "/api/platform/token", "", right)
	if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Errorf("after %d failures: %d Retry-After %q %s", auth.MaxFailures, code, h.Get("Retry-After"), body)
	}
}

func TestPlatformTenantLifecycle(t *testing.T) {
	t.Parallel()
	p := setupPlatform(t)
	op := p.operatorToken(t)
	code, _, body := p.do(t, "POST", platformHost, "/api/platform/tenants/", op, map[string]any{
		"slug": "acme", "name": "Acme", "domain": "ACME.test", "locale": "pt-BR", "timezone": "Europe/Lisbon",
		"currency": "eur", "plan": "pro",
		"admin": map[string]string{"username": "ana", "email": "ana@acme.test", "password": "ana-password"},
	})
	var created api.PlatformTenant
	if err := json.Unmarshal([]byte(body), &created); err != nil || code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	if created.Schema != "tenant_acme" || created.Status != "active" || created.DefaultCurrency != "EUR" ||
		created.Locale != "pt-BR" || created.Plan != "pro" || strings.Join(created.Domains, " ") != "acme.test" {
		t.Errorf("created %+v", created)
	}
	p.token(t, "acme.test", "/api/token/", "ana", "ana-password") // the admin can log in on the new host

	code, _, body = p.do(t, "GET", platformHost, "/api/platform/tenants", op, nil)
	var list struct {
		Tenants []api.PlatformTenant
		Total   int
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || code != 200 || list.Total != 2 || len(list.Tenants) != 2 ||
		list.Tenants[0].Slug != "acme" || list.Tenants[1].Slug != "alpha" || list.Tenants[1].Domains[0] != "alpha.test" {
		t.Fatalf("list: %d %s", code, body)
	}
	for _, ref := range []string{"acme", "tenant_acme", "acme.test", "ACME.test."} {
		if code, _, body := p.do(t, "GET", platformHost, "/api/platform/tenants/"+ref, op, nil); code != 200 || !strings.Contains(body, `"slug":"acme"`) {
			t.Errorf("get %s: %d %s", ref, code, body)
		}
	}

	p.checkStatus(t, op, "suspend", "suspended", http.StatusServiceUnavailable)
	p.checkStatus(t, op, "activate", "active", http.StatusOK)

	if code, _, body := p.do(t, "DELETE", platformHost, "/api/platform/tenants/acme.test/", op, nil); code != http.StatusNoContent || body != "" {
		t.Fatalf("delete: %d %s", code, body)
	}
	if code, _, _ := p.do(t, "GET", "acme.test", "/api/tenant/", "", nil); code != http.StatusNotFound {
		t.Errorf("deleted tenant's host: got %d, want 404", code)
	}
	if code, _, _ := p.do(t, "GET", platformHost, "/api/platform/tenants/acme", op, nil); code != http.StatusNotFound {
		t.Errorf("deleted tenant: got %d, want 404", code)
	}
	var schemas int
	if err := p.env.Pool.QueryRow(context.Background(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_acme'").Scan(&schemas); err != nil || schemas != 0 {
		t.Errorf("schema tenant_acme left behind: %d, %v", schemas, err)
	}
}

// checkStatus calls the status verb on tenant acme and checks the answer
// and what acme's host now answers.
func (p *platformEnv) checkStatus(t *testing.T, op, verb, status string, hostCode int) {
	t.Helper()
	code, _, body := p.do(t, "POST", platformHost, "/api/platform/tenants/acme/"+verb, op, nil)
	if code != 200 || !strings.Contains(body, `"status":"`+status+`"`) {
		t.Errorf("%s: %d %s", verb, code, body)
	}
	if code, _, body := p.do(t, "GET", "acme.test", "/api/tenant/", "", nil); code != hostCode {
		t.Errorf("tenant host after %s: %d %s, want %d", verb, code, body, hostCode)
	}
}

func TestPlatformCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	p := setupPlatform(t)
	op := p.operatorToken(t)
	tenant := func(more ...any) map[string]any {
		m := map[string]any{"slug": "gamma", "name": "Gamma", "domain": "gamma.test"}
		for i := 0; i+1 < len(more); i += 2 {
			m[more[i].(string)] = more[i+1]
		}
		return m
	}
	admin := func(username, email, password string) map[string]string {
		return map[string]string{"username": username, "email": email, "password": password}
	}
	cases := []struct {
		name string
		body any
		code int
		msg  string // in the message and, for the library's validation, the location
	}{
		{"malformed JSON", `{"slug": "gamma"`, 400, "unexpected end of JSON input"},
		{"not an object", `[1, 2]`, 422, "expected object"},
		{"unknown field", tenant("owner", "x"), 422, "unexpected property"},
		{"missing domain", map[string]string{"slug": "gamma", "name": "Gamma"}, 422, "domain"},
		{"wrong type", tenant("slug", 42), 422, "expected string"},
		{"invalid slug", tenant("slug", "Gamma; DROP SCHEMA public"), 422, "body.slug"},
		{"reserved slug", tenant("slug", "pg_catalog"), 409, "body.slug"},
		{"over-long slug", tenant("slug", strings.Repeat("a", 57)), 422, "body.slug"},
		{"empty name", tenant("name", " "), 422, "body.name"},
		{"invalid domain", tenant("domain", "gamma.test:8000"), 422, "body.domain"},
		{"ip domain", tenant("domain", "10.0.0.1"), 422, "body.domain"},
		{"bad currency", tenant("currency", "E1R"), 422, "body.currency"},
		{"bad timezone", tenant("timezone", "Mars/Olympus"), 422, "body.timezone"},
		{"bad locale", tenant("locale", "not a locale"), 422, "body.locale"},
		{"weak admin password", tenant("admin", admin("ana", "ana@gamma.test", "short")), 422, "body.admin.password"},
		{"bad admin email", tenant("admin", admin("ana", "ana", "long enough")), 422, "body.admin.email"},
		{"bad admin username", tenant("admin", admin("a b", "ana@gamma.test", "long enough")), 422, "body.admin.username"},
		{"admin without password", tenant("admin", map[string]string{"username": "ana", "email": "ana@gamma.test"}), 422, "password"},
		{"taken slug", tenant("slug", "alpha"), 409, "tenant already exists"},
		{"taken domain", tenant("domain", "alpha.test"), 409, "domain already in use"},
	}
	for _, c := range cases {
		code, h, body := p.do(t, "POST", platformHost, "/api/platform/tenants", op, c.body)
		if code != c.code || !strings.Contains(body, c.msg) || h.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s %s; want %d and %q", c.name, code, h.Get("Content-Type"), body, c.code, c.msg)
		}
	}
	code, _, body := p.do(t, "GET", platformHost, "/api/platform/tenants", op, nil)
	if code != 200 || !strings.Contains(body, `"total":1`) {
		t.Errorf("refused creates left tenants behind: %s", body)
	}
}

func TestPlatformUnknownTenantIs404(t *testing.T) {
	t.Parallel()
	p := setupPlatform(t)
	op := p.operatorToken(t)
	for _, e := range platformEndpoints {
		if !strings.Contains(e.path, "/alpha/") {
			continue
		}
		path := strings.Replace(e.path, "/alpha/", "/nosuch/", 1)
		if code, _, body := p.do(t, e.method, platformHost, path, op, e.body); code != 404 || !strings.Contains(body, "tenant not found") {
			t.Errorf("%s %s: %d %s", e.method, path, code, body)
		}
	}
}

// TestPlatformRefusesAnythingButAnOperatorToken presents every endpoint
// with no token and with tokens that must not work: a tenant user's, one
// signed with another key, a deactivated or deleted operator's.
func TestPlatformRefusesAnythingButAnOperatorToken(t *testing.T) {
	t.Parallel()
	p := setupPlatform(t)
	ctx := context.Background()
	userToken := p.token(t, "alpha.test", "/api/token/", "owner", "owner-password")
	other, _ := auth.NewSigner([]byte(strings.Repeat("o", 32)))
	forged, _, err := other.IssueForOperator(1, "root")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.CreateOperator(ctx, p.env.Pool, auth.NewOperator{Username: "gone", Email: "gone@platform.test", Password: "gone-password"}); err != nil {
		t.Fatal(err)
	}
	gone := p.token(t, platformHost, "/api/platform/token", "gone", "gone-password")
	op := p.operatorToken(t)
	if _, err := p.env.Pool.Exec(ctx, "DELETE FROM public.operators WHERE username = 'gone'"); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{"none": "", "garbage": "not.a.token", "tenant user": userToken, "other key": forged, "deleted operator": gone}
	check := func(kinds map[string]string) {
		for kind, tok := range kinds {
			for _, e := range platformEndpoints {
				if code, _, body := p.do(t, e.method, platformHost, e.path, tok, e.body); code != http.StatusUnauthorized {
					t.Errorf("%s token, %s %s: %d %s", kind, e.method, e.path, code, body)
				}
			}
		}
	}
	check(tokens)
	if _, err := p.env.Pool.Exec(ctx, "UPDATE public.operators SET is_active = false WHERE username = 'root'"); err != nil {
		t.Fatal(err)
	}
	check(map[string]string{"deactivated operator": op})
	if code, _, body := p.do(t, "GET", "alpha.test", "/api/tenant/", "", nil); code != 200 {
		t.Errorf("alpha was changed by refused requests: %d %s", code, body)
	}
}

// TestPlatformIsNotOnTenantHosts checks that tenants' hosts and unknown
// hosts do not serve the platform API even to an operator, and that an
// operator's token is no tenant's.
func TestPlatformIsNotOnTenantHosts(t *testing.T) {
	t.Parallel()
	p := setupPlatform(t)
	op := p.operatorToken(t)
	endpoints := append([]platformEndpoint{{"POST", "/api/platform/token", map[string]string{"username": "root", "password": "operator-password"}}},
		platformEndpoints...)
	for _, host := range []string{"alpha.test", "unknown.test"} {
		for _, e := range endpoints {
			if code, _, body := p.do(t, e.method, host, e.path, op, e.body); code != http.StatusNotFound {
				t.Errorf("%s %s on %s: %d %s", e.method, e.path, host, code, body)
			}
		}
	}
	if code, _, body := p.do(t, "GET", "alpha.test", "/api/profile/", op, nil); code != http.StatusUnauthorized {
		t.Errorf("operator token on a tenant's profile: %d %s", code, body)
	}
	if code, _, body := p.do(t, "GET", "alpha.test", "/api/tenant/", "", nil); code != 200 {
		t.Errorf("alpha after the attempts: %d %s", code, body)
	}
}

func TestPlatformAPIIsDocumentedAndOffWithoutProvisioner(t *testing.T) {
	t.Parallel()
	p := setupPlatform(t)
	_, _, doc := p.do(t, "GET", platformHost, api.OpenAPIPath, "", nil)
	for _, path := range []string{`"/api/platform/token"`, `"/api/platform/tenants"`, `"/api/platform/tenants/{ref}/suspend"`} {
		if !strings.Contains(doc, path) {
			t.Errorf("OpenAPI document lacks %s", path)
		}
	}
	h, err := api.NewHandler(&api.Config{Routes: itemRoutes, Pool: p.env.Pool, Resolver: p.env.Registry, DB: p.env.DB, Signer: p.signer,
		FallbackDomains: []string{platformHost}})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/api/platform/tenants", nil)
	req.Host = platformHost
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("platform API without a provisioner: got %d, want 404", rec.Code)
	}
}
