package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLoginThenItemsCreateEditDelete(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.browser(t, "alpha.test")
	expect(t, "console before login", b.get("/admin/items/"), http.StatusSeeOther)
	b.login("/admin/", "owner", "owner-password")
	expect(t, "home", b.get("/admin/"), http.StatusOK, "Items", "Users", "Audit log")

	p := b.post("/admin/items/new/", "/admin/items/new/", url.Values{"name": {"Field trip"}, "description": {"Friday"}})
	expect(t, "create", p, http.StatusSeeOther)
	list := b.get(p.Location)
	expect(t, "list", list, http.StatusOK, "Field trip", "The item was created.")
	var id string
	f.in(t, f.alpha, func(ctx ctxT, tx txT) error {
		return tx.QueryRow(ctx, "SELECT id::text FROM items WHERE name = 'Field trip'").Scan(&id)
	})
	p = b.post("/admin/items/"+id+"/", "/admin/items/"+id+"/", url.Values{"name": {"Field trip (moved)"}, "description": {"Monday"}})
	expect(t, "edit", p, http.StatusSeeOther)
	expect(t, "after edit", b.get("/admin/items/"+id+"/"), http.StatusOK, "Field trip (moved)", "Monday")
	expect(t, "search", b.get("/admin/items/?q=moved"), http.StatusOK, "Field trip (moved)", "1–1 of 1")
	expect(t, "confirm", b.get("/admin/items/"+id+"/delete/"), http.StatusOK, "cannot be undone")
	p = b.post("/admin/items/"+id+"/delete/", "/admin/items/"+id+"/delete/", nil)
	expect(t, "delete", p, http.StatusSeeOther)
	if n := f.count(t, f.alpha, "SELECT count(*) FROM items WHERE id = $1::bigint", id); n != 0 {
		t.Fatalf("item %s still there", id)
	}
	p = b.post("/admin/items/", "/admin/items/"+id+"/delete/", nil)
	expect(t, "delete again", p, http.StatusNotFound, "deleted already")
}

func TestLoginRefusedAndThrottledLikeTheAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.browser(t, "alpha.test")
	for i := 0; i < 10; i++ {
		p := b.post("/admin/login/", "/admin/login/", url.Values{"username": {"owner"}, "password": {"wrong-password"}})
		expect(t, "bad password", p, http.StatusUnauthorized, "Invalid username or password.")
	}
	p := b.post("/admin/login/", "/admin/login/", url.Values{"username": {"OWNER@alpha.test"}, "password": {"owner-password"}})
	expect(t, "throttled", p, http.StatusTooManyRequests, "Too many failed logins")
	if p.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.browser(t, "alpha.test")
	b.login("/admin/", "owner", "owner-password")
	stolen := b.cookies["tenantry_console"]
	expect(t, "logout", b.post("/admin/", "/admin/logout/", nil), http.StatusSeeOther)
	thief := f.browser(t, "alpha.test")
	thief.cookies["tenantry_console"] = stolen
	expect(t, "after logout", thief.get("/admin/"), http.StatusSeeOther)
}

func TestRootLeadsToTheConsole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.browser(t, "alpha.test").get("/")
	if p.Status != http.StatusSeeOther || p.Location != "/admin/" {
		t.Fatalf("GET / on a tenant host: %d to %q", p.Status, p.Location)
	}
	p = f.browser(t, "alpha.test").get("/admin/login/")
	expect(t, "login page", p, http.StatusOK, `<label for="username">`, `<label for="password">`)
	if csp := p.Header.Get("Content-Security-Policy"); csp == "" || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
}
