package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// setupLimited is setupPlatform with plans enforced: rate limits and the
// transaction gate, and a second tenant, beta.
func setupLimited(t *testing.T) *platformEnv {
	t.Helper()
	return setupLimitedWith(t, itemRoutes)
}

// setupLimitedWith is setupLimited with the application's routes.
func setupLimitedWith(t *testing.T, routes []func(*api.Routes) error) *platformEnv {
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
	plans := limits.NewPlans(env.Pool, &limits.Config{TTL: 1, FallbackTTL: 1}) // read at every request
	db := tenantdb.New(env.Pool, &tenantdb.Config{Limiter: limits.NewGate(plans, nil)})
	h, err := api.NewHandler(&api.Config{Routes: routes, Pool: env.Pool, Resolver: env.Registry, DB: db, Signer: signer,
		FallbackDomains: []string{platformHost}, Provisioner: env.Provisioner, Registry: env.Registry,
		RateLimiter: limits.NewRateLimiter(plans, nil)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &platformEnv{env: env, srv: srv, signer: signer}
}

// putPlan creates or replaces a plan through the platform API.
func (p *platformEnv) putPlan(t *testing.T, op, name string, body map[string]any) {
	t.Helper()
	if code, _, resp := p.do(t, "PUT", platformHost, "/api/platform/plans/"+name, op, body); code != http.StatusOK {
		t.Fatalf("put plan %s: %d %s", name, code, resp)
	}
}

func (p *platformEnv) setPlan(t *testing.T, op, tenant, plan string) {
	t.Helper()
	code, _, body := p.do(t, "PUT", platformHost, "/api/platform/tenants/"+tenant+"/plan", op, map[string]string{"plan": plan})
	if code != http.StatusOK || !strings.Contains(body, `"plan":"`+plan+`"`) {
		t.Fatalf("put %s on %s: %d %s", tenant, plan, code, body)
	}
}

func TestTenantOverItsRateGets429AndOthersAreServed(t *testing.T) {
	t.Parallel()
	p := setupLimited(t)
	op := p.operatorToken(t)
	p.putPlan(t, op, "tiny", map[string]any{"rate": "1/m", "burst": 3})
	p.setPlan(t, op, "alpha", "tiny")
	for i := range 3 {
		code, h, body := p.do(t, "GET", "alpha.test", "/api/tenant/", "", nil)
		if code != http.StatusOK || h.Get("RateLimit-Policy") != `"tenant";q=3;w=180` ||
			!strings.HasPrefix(h.Get("RateLimit"), `"tenant";r=`+string(rune('2'-i))+";t=") {
			t.Fatalf("request %d: %d %q %q %s", i+1, code, h.Get("RateLimit-Policy"), h.Get("RateLimit"), body)
		}
	}
	code, h, body := p.do(t, "GET", "alpha.test", "/api/tenant/", "", nil)
	if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" || !strings.HasPrefix(h.Get("RateLimit"), `"tenant";r=0;t=`) ||
		!strings.Contains(body, "tenant alpha may send 1/m requests (burst 3)") || h.Get("Content-Type") != "application/problem+json" {
		t.Errorf("over the limit: %d Retry-After %q RateLimit %q %s", code, h.Get("Retry-After"), h.Get("RateLimit"), body)
	}
	for i := range 10 {
		if code, h, body := p.do(t, "GET", "beta.test", "/api/tenant/", "", nil); code != http.StatusOK || h.Get("RateLimit") != "" {
			t.Fatalf("beta's request %d while alpha is limited: %d %q %s", i+1, code, h.Get("RateLimit"), body)
		}
	}
}

func TestUserOverItsRateIsLimitedAloneInItsTenant(t *testing.T) {
	t.Parallel()
	p := setupLimited(t)
	op := p.operatorToken(t)
	owner := p.token(t, "alpha.test", "/api/token/", "owner", "owner-password")
	p.putPlan(t, op, "per-user", map[string]any{"user_rate": "1/m", "user_burst": 2})
	p.setPlan(t, op, "alpha", "per-user")
	for i := range 2 {
		if code, h, body := p.do(t, "GET", "alpha.test", "/api/profile/", owner, nil); code != http.StatusOK ||
			!strings.HasPrefix(h.Get("RateLimit"), `"user";r=`) {
			t.Fatalf("owner's request %d: %d %q %s", i+1, code, h.Get("RateLimit"), body)
		}
	}
	code, _, body := p.do(t, "GET", "alpha.test", "/api/profile/", owner, nil)
	if code != http.StatusTooManyRequests || !strings.Contains(body, "your account on alpha") || !strings.Contains(body, "user_rate") {
		t.Errorf("owner over the user rate: %d %s", code, body)
	}
	// Another client without a token has a bucket of its own... the same
	// address here, so its anonymous bucket: one token left for a login.
	if code, _, body := p.do(t, "POST", "alpha.test", "/api/token/", "", map[string]string{"username": "owner", "password": "owner-password"}); code != http.StatusOK {
		t.Errorf("a login from the same client, anonymous: %d %s", code, body)
	}
}

func TestMaxUsersIsA403NamingTheLimit(t *testing.T) {
	t.Parallel()
	p := setupLimited(t)
	op := p.operatorToken(t)
	owner := p.token(t, "alpha.test", "/api/token/", "owner", "owner-password")
	p.putPlan(t, op, "solo", map[string]any{"max_users": 1})
	p.setPlan(t, op, "alpha", "solo")
	code, _, body := p.do(t, "POST", "alpha.test", "/api/users/", owner,
		map[string]string{"username": "ben", "email": "ben@alpha.test", "password": "ben-password"})
	if code != http.StatusForbidden || !strings.Contains(body, `limit reached: the plan \"solo\" allows at most 1 (max_users)`) {
		t.Errorf("user over max_users: %d %s", code, body)
	}
	p.putPlan(t, op, "solo", map[string]any{"max_users": 2})
	if code, _, body := p.do(t, "POST", "alpha.test", "/api/users/", owner,
		map[string]string{"username": "ben", "email": "ben@alpha.test", "password": "ben-password"}); code != http.StatusCreated {
		t.Errorf("user once the plan allows two: %d %s", code, body)
	}
}

func TestPlatformPlansBadInput(t *testing.T) {
	t.Parallel()
	p := setupLimited(t)
	op := p.operatorToken(t)
	cases := []struct {
		name string
		plan string
		body any
		code int
		msg  string
	}{
		{"zero rate", "p", map[string]any{"rate": "0/s"}, 422, `invalid rate \"0/s\": must be more than zero`},
		{"negative rate", "p", map[string]any{"rate": "-3/s"}, 422, "body.rate"},
		{"absurd unit", "p", map[string]any{"rate": "10/fortnight"}, 422, "a rate such as 10/s"},
		{"absurd rate", "p", map[string]any{"rate": "1000000000/s"}, 422, "from 1/h to 1000000/s"},
		{"rate in exponent form", "p", map[string]any{"rate": "1e3/s"}, 422, "body.rate"},
		{"zero burst", "p", map[string]any{"rate": "1/s", "burst": 0}, 422, "body.burst"},
		{"negative burst", "p", map[string]any{"rate": "1/s", "burst": -1}, 422, "burst"},
		{"burst without rate", "p", map[string]any{"burst": 5}, 422, `invalid burst \"5\": needs a rate`},
		{"negative max users", "p", map[string]any{"max_users": -5}, 422, "max_users"},
		{"zero max users", "p", map[string]any{"max_users": 0}, 422, "body.max_users"},
		{"timeout without unit", "p", map[string]any{"statement_timeout": "2"}, 422, "statement_timeout"},
		{"negative timeout", "p", map[string]any{"statement_timeout": "-2s"}, 422, "a duration such as 500ms"},
		{"zero timeout", "p", map[string]any{"statement_timeout": "0s"}, 422, "must be more than zero"},
		{"timeout of a year", "p", map[string]any{"statement_timeout": "8760h"}, 422, "from 1ms to 24h"},
		{"string max users", "p", map[string]any{"max_users": "five"}, 422, "max_users"},
		{"zero quota", "p", map[string]any{"quotas": map[string]int{"items": 0}}, 422, "quotas"},
		{"bad feature", "p", map[string]any{"features": []string{"Not A Feature"}}, 422, "features"},
		{"upper-case name", "Pro", map[string]any{}, 422, "path.name"},
		{"name with a dot", "a.b", map[string]any{}, 422, "path.name"},
		{"unknown field", "p", map[string]any{"rates": "1/s"}, 422, "rates"},
	}
	for _, c := range cases {
		code, _, body := p.do(t, "PUT", platformHost, "/api/platform/plans/"+c.plan, op, c.body)
		if code != c.code || !strings.Contains(body, c.msg) {
			t.Errorf("%s: %d %s, want %d %q", c.name, code, body, c.code, c.msg)
		}
	}
}

func TestPlatformPlanLifecycle(t *testing.T) {
	t.Parallel()
	p := setupLimited(t)
	op := p.operatorToken(t)
	p.putPlan(t, op, "pro", map[string]any{"rate": "600/m", "burst": 20, "statement_timeout": "2s", "max_users": 5,
		"features": []string{"exports"}, "quotas": map[string]int{"items": 1000}})
	code, _, body := p.do(t, "GET", platformHost, "/api/platform/plans/pro", op, nil)
	if code != 200 || !strings.Contains(body, `"rate":"10/s"`) || !strings.Contains(body, `"statement_timeout":"2s"`) ||
		!strings.Contains(body, `"features":["exports"]`) || !strings.Contains(body, `"quotas":{"items":1000}`) {
		t.Errorf("get: %d %s", code, body)
	}
	p.setPlan(t, op, "alpha", "pro")
	if code, _, body := p.do(t, "DELETE", platformHost, "/api/platform/plans/pro", op, nil); code != http.StatusConflict ||
		!strings.Contains(body, "in use by 1 tenant") {
		t.Errorf("delete in use: %d %s", code, body)
	}
	if code, _, body := p.do(t, "PUT", platformHost, "/api/platform/tenants/alpha/plan", op, map[string]string{"plan": "gold"}); code != 422 ||
		!strings.Contains(body, "no plan has this name") {
		t.Errorf("tenant on a missing plan: %d %s", code, body)
	}
	if code, _, body := p.do(t, "DELETE", platformHost, "/api/platform/plans/free", op, nil); code != http.StatusConflict {
		t.Errorf("delete the default plan: %d %s", code, body)
	}
	if code, _, body := p.do(t, "DELETE", platformHost, "/api/platform/plans/pro?move_to=free", op, nil); code != http.StatusNoContent {
		t.Errorf("delete moving tenants: %d %s", code, body)
	}
	if code, _, _ := p.do(t, "GET", platformHost, "/api/platform/plans/pro", op, nil); code != 404 {
		t.Errorf("get a deleted plan: %d", code)
	}
	code, _, body = p.do(t, "GET", platformHost, "/api/platform/plans", op, nil)
	if code != 200 || !strings.Contains(body, `"name":"free"`) || !strings.Contains(body, `"tenants":2`) {
		t.Errorf("list: %d %s", code, body)
	}
	if code, _, body := p.do(t, "GET", platformHost, "/api/platform/top", op, nil); code != 200 || !strings.Contains(body, `"available":false`) ||
		!strings.Contains(body, "shared_preload_libraries") {
		t.Errorf("top without pg_stat_statements: %d %s", code, body)
	}
	if code, _, _ := p.do(t, "GET", "alpha.test", "/api/platform/plans", op, nil); code != 404 {
		t.Errorf("plans on a tenant host: %d", code)
	}
}

func sleepBriefly() { time.Sleep(10 * time.Millisecond) }
