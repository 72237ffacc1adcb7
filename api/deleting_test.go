package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenanttest"
)

// interruptDelete begins deleting slug and stops after the first step, as
// a crash would: the tenant is left deleting.
func interruptDelete(t *testing.T, env *tenanttest.Env, slug string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := provision.New(env.Pool, &provision.Config{DeleteLocks: 1,
		OnDeleteStep: func(*tenantry.Tenant, int, int) { cancel() }})
	if _, err := p.Delete(ctx, slug); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Delete(%s) = %v, want context.Canceled", slug, err)
	}
}

// A server whose registry cache still holds a tenant once its delete has
// begun (another server's, whose notification has not arrived) answers its
// requests 404, never 500 or 422: its tenant transactions are refused.
func TestStaleServerAnswers404ForADeletingOrDeletedTenant(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, withItems)
	env.CreateTenant(t, "alpha")
	env.CreateTenant(t, "beta")
	stale := registry.New(env.Pool, &registry.Config{TTL: time.Hour, FallbackTTL: time.Hour})
	signer, err := auth.NewSigner([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(&api.Config{Routes: itemRoutes, Pool: env.Pool, Resolver: stale, DB: env.DB, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	f := &apiFixture{env: env, srv: httptest.NewServer(h)}
	t.Cleanup(f.srv.Close)
	alpha := f.login(t, "alpha.test", "owner", "owner-password")
	beta := f.login(t, "beta.test", "owner", "owner-password")
	if r := f.call(t, "GET", "alpha.test", "/api/items/", alpha, nil); r.Status != http.StatusOK {
		t.Fatalf("items of alpha before the delete: %d %s", r.Status, r.Body)
	}

	interruptDelete(t, env, "alpha")
	if r := f.call(t, "GET", "alpha.test", "/api/items/", alpha, nil); r.Status != http.StatusNotFound {
		t.Errorf("items of a deleting alpha: %d %s, want 404", r.Status, r.Body)
	}
	if _, err := env.Provisioner.Delete(context.Background(), "alpha"); err != nil {
		t.Fatalf("finish the delete: %v", err)
	}
	if r := f.call(t, "GET", "alpha.test", "/api/items/", alpha, nil); r.Status != http.StatusNotFound {
		t.Errorf("items of a deleted alpha: %d %s, want 404", r.Status, r.Body)
	}
	if r := f.call(t, "GET", "beta.test", "/api/items/", beta, nil); r.Status != http.StatusOK {
		t.Errorf("items of beta: %d %s, want 200", r.Status, r.Body)
	}
}

func TestPlatformShowsADeletingTenantAndFinishesItsDelete(t *testing.T) {
	t.Parallel()
	p := setupPlatform(t)
	op := p.operatorToken(t)
	interruptDelete(t, p.env, "alpha")

	if code, _, body := p.do(t, "GET", platformHost, "/api/platform/tenants/alpha", op, nil); code != 200 ||
		!strings.Contains(body, `"status":"deleting"`) {
		t.Errorf("get a deleting tenant: %d %s", code, body)
	}
	if code, _, body := p.do(t, "GET", platformHost, "/api/platform/tenants", op, nil); code != 200 ||
		!strings.Contains(body, `"status":"deleting"`) {
		t.Errorf("list with a deleting tenant: %d %s", code, body)
	}
	for _, verb := range []string{"suspend", "activate"} {
		if code, _, body := p.do(t, "POST", platformHost, "/api/platform/tenants/alpha/"+verb, op, nil); code != http.StatusConflict ||
			!strings.Contains(body, "being deleted") {
			t.Errorf("%s a deleting tenant: %d %s, want 409", verb, code, body)
		}
	}
	again := map[string]string{"slug": "alpha", "name": "Alpha again", "domain": "again.test"}
	if code, _, body := p.do(t, "POST", platformHost, "/api/platform/tenants", op, again); code != http.StatusConflict {
		t.Errorf("create over a deleting tenant: %d %s, want 409", code, body)
	}
	if code, _, body := p.do(t, "DELETE", platformHost, "/api/platform/tenants/alpha", op, nil); code != http.StatusNoContent {
		t.Fatalf("delete a deleting tenant: %d %s, want 204", code, body)
	}
	if code, _, body := p.do(t, "GET", platformHost, "/api/platform/tenants/alpha", op, nil); code != http.StatusNotFound {
		t.Errorf("get after the delete finished: %d %s, want 404", code, body)
	}
}
