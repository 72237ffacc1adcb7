package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/audit"
)

// auditActions returns the actions of the entries GET path answers, newest
// first, failing t unless it answers 200.
func auditActions(t *testing.T, status int, body string) []audit.Entry {
	t.Helper()
	var page struct{ Results []audit.Entry }
	if status != http.StatusOK || json.Unmarshal([]byte(body), &page) != nil {
		t.Fatalf("audit: %d %s", status, body)
	}
	return page.Results
}

func find(entries []audit.Entry, action string) *audit.Entry {
	for i := range entries {
		if entries[i].Action == action {
			return &entries[i]
		}
	}
	return nil
}

func TestTenantAuditLog(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	owner := f.tokens["owner"]
	// Events: a failed login, another tenant's genuine token, a role
	// change, a reused refresh token.
	if r := f.call(t, "POST", "alpha.test", "/api/token/", "", map[string]string{"username": "member", "password": "wrong"}); r.Status != 401 {
		t.Fatalf("bad login: %d", r.Status)
	}
	if r := f.call(t, "GET", "alpha.test", "/api/items/", f.betaOwner, nil); r.Status != 401 {
		t.Fatalf("beta's token on alpha: %d", r.Status)
	}
	path := fmt.Sprintf("/api/users/%d/", f.users["viewer"].ID)
	if r := f.call(t, "PATCH", "alpha.test", path, owner, map[string]string{"role": "member"}); r.Status != 200 {
		t.Fatalf("role change: %d %s", r.Status, r.Body)
	}
	login := f.call(t, "POST", "alpha.test", "/api/token/", "", map[string]string{"username": "admin", "password": "admin-password"})
	var pair struct{ Refresh string }
	login.decode(t, &pair)
	for range 2 {
		f.call(t, "POST", "alpha.test", "/api/token/refresh/", "", map[string]string{"refresh": pair.Refresh})
	}

	r := f.call(t, "GET", "alpha.test", "/api/audit/?limit=100", owner, nil)
	entries := auditActions(t, r.Status, r.Body)
	for _, e := range entries {
		if e.TenantID == nil || *e.TenantID != f.alpha.ID {
			t.Errorf("alpha's log holds an entry of tenant %v: %+v", e.TenantID, e)
		}
	}
	checks := []struct {
		action string
		check  func(e *audit.Entry) bool
	}{
		{audit.TenantCreated, func(e *audit.Entry) bool { return e.Target == "alpha" }},
		{audit.LoginSucceeded, func(e *audit.Entry) bool { return e.Actor.Kind == audit.ActorUser && e.RequestID != "" }},
		{audit.LoginFailed, func(e *audit.Entry) bool { return e.Target == "member" && e.Actor.Kind == audit.ActorAnonymous }},
		{audit.TokenRefused, func(e *audit.Entry) bool {
			return e.Details["claimed_tenant"] == float64(f.beta.ID) && e.Details["genuine"] == true
		}},
		{audit.UserRoleChanged, func(e *audit.Entry) bool {
			return e.Target == "viewer" && e.Details["from"] == "viewer" && e.Details["to"] == "member" && e.Actor.Name == "owner"
		}},
		{audit.RefreshReused, func(e *audit.Entry) bool { return true }},
	}
	for _, c := range checks {
		if e := find(entries, c.action); e == nil || !c.check(e) {
			t.Errorf("%s: entry %+v", c.action, e)
		}
	}
	if r := f.call(t, "GET", "alpha.test", "/api/audit/?action=auth.login_failed", owner, nil); len(auditActions(t, r.Status, r.Body)) != 1 {
		t.Errorf("filtered by action: %s", r.Body)
	}
	if r := f.call(t, "GET", "beta.test", "/api/audit/", f.betaOwner, nil); strings.Contains(r.Body, "member") || r.Status != 200 {
		t.Errorf("beta's log: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "GET", "alpha.test", "/api/audit/", f.tokens["member"], nil); r.Status != 403 {
		t.Errorf("a member reads the audit log: %d", r.Status)
	}
}

func TestPlatformAuditLog(t *testing.T) {
	t.Parallel()
	p := setupPlatform(t)
	op := p.operatorToken(t)
	if code, _, body := p.do(t, "POST", platformHost, "/api/platform/tenants/alpha/suspend/", op, nil); code != 200 {
		t.Fatalf("suspend: %d %s", code, body)
	}
	if code, _, body := p.do(t, "DELETE", platformHost, "/api/platform/tenants/alpha/", op, nil); code != 204 {
		t.Fatalf("delete: %d %s", code, body)
	}
	code, _, body := p.do(t, "GET", platformHost, "/api/platform/audit/?limit=20", op, nil)
	entries := auditActions(t, code, body)
	for _, action := range []string{audit.TenantCreated, audit.TenantSuspended, audit.TenantDeleting, audit.TenantDeleted, audit.OperatorLoggedIn} {
		e := find(entries, action)
		if e == nil {
			t.Errorf("no %s in %s", action, body)
			continue
		}
		if action != audit.TenantCreated && (e.Actor.Kind != audit.ActorOperator || e.Actor.Name != "root") {
			t.Errorf("%s by %+v, want the operator", action, e.Actor)
		}
	}
	// The deleted tenant's history stays, found by its id: created,
	// suspended, deleting, deleted.
	id := *find(entries, audit.TenantDeleted).TenantID
	code, _, body = p.do(t, "GET", platformHost, fmt.Sprintf("/api/platform/audit/?tenant=%d", id), op, nil)
	if len(auditActions(t, code, body)) != 4 {
		t.Errorf("the deleted tenant's entries: %s", body)
	}
	if code, _, _ := p.do(t, "GET", platformHost, "/api/platform/audit/", "", nil); code != 401 {
		t.Errorf("without a token: %d", code)
	}
	if code, _, _ := p.do(t, "GET", platformHost, "/api/platform/audit/?tenant=nobody", op, nil); code != 404 {
		t.Errorf("unknown tenant: %d", code)
	}
}
