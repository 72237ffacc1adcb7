package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestFormsWithoutTheirCSRFTokenAreRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.addJoinRequest(t, f.alpha, "jo@alpha-corp.test")
	a := f.browser(t, "alpha.test")
	a.login("/admin/", "owner", "owner-password")
	op := f.browser(t, baseDomain)
	op.login("/admin/", "op", "operator-password")
	forged := []struct {
		b    *browser
		path string
		form url.Values
	}{
		{a, "/admin/items/new/", url.Values{"name": {"forged"}, "nonce": {"n1"}}},
		{a, "/admin/users/new/", url.Values{"username": {"forged"}, "email": {"f@alpha.test"}, "password": {"forged-password"}, "nonce": {"n2"}}},
		{a, "/admin/joins/" + itoa(id) + "/approve/", url.Values{}},
		{a, "/admin/logout/", url.Values{}},
		{a, "/admin/profile/password/", url.Values{"current": {"owner-password"}, "new": {"forged-pass"}, "confirm": {"forged-pass"}}},
		{op, "/admin/tenants/alpha/suspend/", url.Values{}},
		{op, "/admin/tenants/alpha/delete/", url.Values{"confirm": {"alpha"}}},
		{op, "/admin/tenants/new/", url.Values{"slug": {"forged"}, "name": {"F"}, "domain": {"forged.test"}}},
	}
	for _, c := range forged {
		for _, token := range []string{"", "forged-token", strings.Repeat("A", 43)} {
			form := url.Values{}
			for k, v := range c.form {
				form[k] = v
			}
			if token != "" {
				form.Set("csrf", token)
			}
			expect(t, c.path+" with csrf "+token, c.b.do(http.MethodPost, c.path, form), http.StatusForbidden, "security token")
		}
	}
	// the login form too: without the token of its cookie
	p := f.browser(t, "alpha.test").do(http.MethodPost, "/admin/login/", url.Values{"username": {"owner"}, "password": {"owner-password"}})
	expect(t, "login without token", p, http.StatusForbidden, "security token")
	if n := f.count(t, f.alpha, "SELECT count(*) FROM items WHERE name = 'forged'") + f.count(t, f.alpha, "SELECT count(*) FROM users WHERE username = 'forged'"); n != 0 {
		t.Fatal("a forged form was acted on")
	}
	expect(t, "still logged in", a.get("/admin/"), http.StatusOK)
	expect(t, "still active", f.browser(t, "alpha.test").get("/admin/login/"), http.StatusOK)
	// a token of another session does not do either
	other := f.browser(t, "alpha.test")
	other.login("/admin/", "owner", "owner-password")
	theirs := hidden(t, other.get("/admin/items/new/").Body, "csrf")
	p = a.do(http.MethodPost, "/admin/items/new/", url.Values{"name": {"forged"}, "nonce": {"n3"}, "csrf": {theirs}})
	expect(t, "another session's token", p, http.StatusForbidden)
}

func TestExpiredSessionAsksToLogInAgain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.browser(t, "alpha.test")
	b.login("/admin/", "owner", "owner-password")
	csrf := hidden(t, b.get("/admin/items/new/").Body, "csrf")
	f.in(t, f.alpha, func(ctx ctxT, tx txT) error {
		_, err := tx.Exec(ctx, "UPDATE console_sessions SET expires_at = now() - interval '1 second'")
		return err
	})
	p := b.get("/admin/items/")
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/admin/login/?next=") {
		t.Fatalf("expired GET: %d to %q", p.Status, p.Location)
	}
	p = b.do(http.MethodPost, "/admin/items/new/", url.Values{"name": {"late"}, "csrf": {csrf}, "nonce": {"n"}})
	expect(t, "expired POST", p, http.StatusUnauthorized, "log in again")
	// a deactivated user's session ends too
	b.login("/admin/", "owner", "owner-password")
	f.addUser(t, f.alpha, "owner2", "owner")
	f.in(t, f.alpha, func(ctx ctxT, tx txT) error {
		_, err := tx.Exec(ctx, "UPDATE users SET is_active = false WHERE username = 'owner'")
		return err
	})
	expect(t, "deactivated", b.get("/admin/"), http.StatusSeeOther)
}

// TestMarkupIsEscapedEverywhere types HTML and script into every field and
// looks for it, raw, on every page that shows it.
func TestMarkupIsEscapedEverywhere(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>`
	b := f.browser(t, "alpha.test")
	b.login("/admin/", "owner", "owner-password")
	p := b.post("/admin/items/new/", "/admin/items/new/", url.Values{"name": {evil}, "description": {evil}})
	expect(t, "create", p, http.StatusSeeOther)
	pages := []page{b.get("/admin/items/"), b.get("/admin/items/?q=" + url.QueryEscape(evil)), b.get("/admin/audit/?action=" + url.QueryEscape(evil))}
	var id string
	f.in(t, f.alpha, func(ctx ctxT, tx txT) error { return tx.QueryRow(ctx, "SELECT id::text FROM items LIMIT 1").Scan(&id) })
	pages = append(pages, b.get("/admin/items/"+id+"/"))
	pages = append(pages, b.post("/admin/users/new/", "/admin/users/new/", url.Values{"username": {evil}, "email": {evil}, "password": {"long-enough-pw"}}))
	pages = append(pages, f.browser(t, "alpha.test").post("/admin/login/", "/admin/login/", url.Values{"username": {evil}, "password": {evil}}))
	f.addJoinRequest(t, f.alpha, "x@evil-corp.test")
	pages = append(pages, b.get("/admin/joins/"))
	op := f.browser(t, baseDomain)
	op.login("/admin/", "op", "operator-password")
	pages = append(pages, op.post("/admin/tenants/new/", "/admin/tenants/new/", url.Values{"slug": {"evil"}, "name": {evil}, "domain": {"evil.test"}}))
	pages = append(pages, op.get("/admin/tenants/"), op.get("/admin/tenants/evil/"), op.get("/admin/tenants/?q="+url.QueryEscape(evil)))
	pages = append(pages, op.post("/admin/tenants/new/", "/admin/tenants/new/", url.Values{"slug": {evil}, "name": {evil}, "domain": {evil}}))
	pages = append(pages, op.get("/admin/audit/"))
	for i, p := range pages {
		if p.Status >= 500 {
			t.Errorf("page %d: %d", i, p.Status)
		}
		if strings.Contains(p.Body, "<script>") || strings.Contains(p.Body, "<img src=x") {
			t.Errorf("page %d holds the markup raw:\n%s", i, p.Body)
		}
	}
}

func TestVeryLongValuesGetAClearAnswer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.browser(t, "alpha.test")
	b.login("/admin/", "owner", "owner-password")
	long := strings.Repeat("é", 201)
	p := b.post("/admin/items/new/", "/admin/items/new/", url.Values{"name": {long}})
	expect(t, "long name", p, http.StatusUnprocessableEntity, "Name is too long: at most 200 characters", long)
	p = b.post("/admin/items/new/", "/admin/items/new/", url.Values{"name": {"ok"}, "description": {strings.Repeat("d", 10001)}})
	expect(t, "long description", p, http.StatusUnprocessableEntity, "at most 10000")
	p = b.post("/admin/items/new/", "/admin/items/new/", url.Values{"name": {"   "}})
	expect(t, "blank name", p, http.StatusUnprocessableEntity, "Name is required")
	expect(t, "long search", b.get("/admin/items/?q="+strings.Repeat("q", 201)), http.StatusBadRequest, "too long")
	expect(t, "bad offset", b.get("/admin/items/?offset=-1"), http.StatusBadRequest, "offset")
	expect(t, "huge id", b.get("/admin/items/99999999999999999999999/"), http.StatusNotFound)
	p = b.post("/admin/users/new/", "/admin/users/new/", url.Values{"username": {strings.Repeat("u", 151)}, "email": {"u@alpha.test"}, "password": {"long-enough-pw"}})
	expect(t, "long username", p, http.StatusUnprocessableEntity, "1 to 150")
	p = f.browser(t, "alpha.test").post("/admin/login/", "/admin/login/", url.Values{"username": {strings.Repeat("x", 100000)}, "password": {"x"}})
	expect(t, "long login", p, http.StatusUnauthorized, "Invalid username or password")
	p = b.post("/admin/items/new/", "/admin/items/new/", url.Values{"name": {strings.Repeat("n", 2<<20)}})
	if p.Status != http.StatusBadRequest && p.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("body over 1 MiB: %d", p.Status)
	}
	p = b.post("/admin/items/new/", "/admin/items/new/", url.Values{"name": {"nul\x00"}})
	expect(t, "NUL", p, http.StatusBadRequest, "NUL")
	if n := f.count(t, f.alpha, "SELECT count(*) FROM items"); n != 0 {
		t.Fatalf("%d items made from refused forms", n)
	}
}

func TestAFormSentTwiceIsActedOnOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.browser(t, "alpha.test")
	b.login("/admin/", "owner", "owner-password")
	form := b.get("/admin/items/new/")
	vals := url.Values{"name": {"Once"}, "csrf": {hidden(t, form.Body, "csrf")}, "nonce": {hidden(t, form.Body, "nonce")}}
	expect(t, "first", b.do(http.MethodPost, "/admin/items/new/", vals), http.StatusSeeOther)
	expect(t, "second", b.do(http.MethodPost, "/admin/items/new/", vals), http.StatusConflict, "sent already")
	if n := f.count(t, f.alpha, "SELECT count(*) FROM items WHERE name = 'Once'"); n != 1 {
		t.Fatalf("%d items from one form", n)
	}
	// a refused form may be sent again once corrected: its nonce was not used
	form = b.get("/admin/items/new/")
	vals = url.Values{"name": {""}, "csrf": {hidden(t, form.Body, "csrf")}, "nonce": {hidden(t, form.Body, "nonce")}}
	expect(t, "refused", b.do(http.MethodPost, "/admin/items/new/", vals), http.StatusUnprocessableEntity)
	vals.Set("name", "Twice")
	expect(t, "corrected", b.do(http.MethodPost, "/admin/items/new/", vals), http.StatusSeeOther)
	uf := b.get("/admin/users/new/")
	uv := url.Values{"username": {"una"}, "email": {"una@alpha.test"}, "password": {"una-password"}, "role": {"member"},
		"csrf": {hidden(t, uf.Body, "csrf")}, "nonce": {hidden(t, uf.Body, "nonce")}}
	expect(t, "user once", b.do(http.MethodPost, "/admin/users/new/", uv), http.StatusSeeOther)
	expect(t, "user twice", b.do(http.MethodPost, "/admin/users/new/", uv), http.StatusConflict)
	op := f.browser(t, baseDomain)
	op.login("/admin/", "op", "operator-password")
	tf := op.get("/admin/tenants/new/")
	tv := url.Values{"slug": {"once"}, "name": {"Once"}, "domain": {"once.test"}, "csrf": {hidden(t, tf.Body, "csrf")}}
	expect(t, "tenant once", op.do(http.MethodPost, "/admin/tenants/new/", tv), http.StatusSeeOther)
	expect(t, "tenant twice", op.do(http.MethodPost, "/admin/tenants/new/", tv), http.StatusUnprocessableEntity, "exists already")
}

func TestAPIDocsArePagesOfTheirOwn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, host := range []string{"alpha.test", baseDomain} {
		p := f.browser(t, host).get("/api/docs")
		expect(t, "docs on "+host, p, http.StatusOK, "/api/items", "createItem", "Schemas", `href="/api/docs/style.css"`)
		if csp := p.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || strings.Contains(p.Body, "http://") && strings.Contains(p.Body, "<script") {
			t.Fatalf("docs CSP %q", csp)
		}
		expect(t, "docs css", f.browser(t, host).get("/api/docs/style.css"), http.StatusOK, "font")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
