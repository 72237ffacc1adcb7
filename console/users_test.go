package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

func TestOwnerAddsAUserWhoThenLogsIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.browser(t, "alpha.test")
	b.login("/admin/", "owner", "owner-password")
	p := b.post("/admin/users/new/", "/admin/users/new/", url.Values{"username": {"rita"}, "email": {"rita@alpha.test"},
		"password": {"rita-password"}, "role": {"viewer"}})
	expect(t, "create user", p, http.StatusSeeOther)
	expect(t, "users", b.get("/admin/users/"), http.StatusOK, "rita@alpha.test", "viewer")
	rita := f.browser(t, "alpha.test")
	rita.login("/admin/", "rita@alpha.test", "rita-password")
	expect(t, "viewer's items", rita.get("/admin/items/"), http.StatusOK, "Items")
}

func TestWhatARoleMayNotDoIsHiddenAndRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addUser(t, f.alpha, "vera", "viewer")
	b := f.browser(t, "alpha.test")
	b.login("/admin/", "vera", "vera-password")
	home := b.get("/admin/")
	expect(t, "home", home, http.StatusOK, "Items", "Profile")
	for _, hidden := range []string{`href="/admin/users/"`, `href="/admin/audit/"`, `href="/admin/joins/"`} {
		if contains(home.Body, hidden) {
			t.Errorf("a viewer is offered %s", hidden)
		}
	}
	list := b.get("/admin/items/")
	if contains(list.Body, "New item") {
		t.Error("a viewer is offered New item")
	}
	expect(t, "forced new form", b.get("/admin/items/new/"), http.StatusForbidden, "does not allow")
	p := b.post("/admin/items/", "/admin/items/new/", url.Values{"name": {"sneaky"}, "nonce": {"x"}})
	expect(t, "forced create", p, http.StatusForbidden, "does not allow")
	expect(t, "forced users", b.get("/admin/users/"), http.StatusForbidden)
	expect(t, "forced audit", b.get("/admin/audit/"), http.StatusForbidden)
	if n := f.count(t, f.alpha, "SELECT count(*) FROM items WHERE name = 'sneaky'"); n != 0 {
		t.Fatal("a viewer made an item")
	}
}

func TestAdminCannotTouchOwnersAndLastOwnerStays(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ada := f.addUser(t, f.alpha, "ada", "admin")
	b := f.browser(t, "alpha.test")
	b.login("/admin/", "ada", "ada-password")
	form := b.get("/admin/users/new/")
	if contains(form.Body, `<option value="owner"`) {
		t.Error("an admin is offered the owner role")
	}
	p := b.post("/admin/users/new/", "/admin/users/new/", url.Values{"username": {"boss"}, "email": {"boss@alpha.test"},
		"password": {"boss-password"}, "role": {"owner"}})
	expect(t, "admin makes an owner", p, http.StatusForbidden, "only owners")
	owner := f.browser(t, "alpha.test")
	owner.login("/admin/", "owner", "owner-password")
	var ownerID string
	f.in(t, f.alpha, func(ctx ctxT, tx txT) error {
		return tx.QueryRow(ctx, "SELECT id::text FROM users WHERE username = 'owner'").Scan(&ownerID)
	})
	// The owner may not demote itself through another owner's page: the
	// last owner rule answers.
	p = owner.post("/admin/users/", "/admin/users/"+ownerID+"/", url.Values{"active": {"0"}})
	expect(t, "deactivate last owner", p, http.StatusConflict, "last active owner")
	p = owner.post("/admin/users/", "/admin/users/"+strconv.FormatInt(ada.ID, 10)+"/", url.Values{"role": {"member"}})
	expect(t, "demote admin", p, http.StatusSeeOther)
	expect(t, "ada's role", owner.get("/admin/users/"+strconv.FormatInt(ada.ID, 10)+"/"), http.StatusOK, "<dd>member</dd>")
	expect(t, "ada lost users", b.get("/admin/users/"), http.StatusForbidden)
}

func TestApproveAndRejectJoinRequests(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	approve := f.addJoinRequest(t, f.alpha, "jo@alpha-corp.test")
	reject := f.addJoinRequest(t, f.alpha, "mo@alpha-corp.test")
	b := f.browser(t, "alpha.test")
	b.login("/admin/", "owner", "owner-password")
	expect(t, "joins", b.get("/admin/joins/"), http.StatusOK, "jo@alpha-corp.test", "alpha-corp.test", "Turn auto-join on")
	p := b.post("/admin/joins/", "/admin/joins/"+strconv.FormatInt(approve, 10)+"/approve/", nil)
	expect(t, "approve", p, http.StatusSeeOther)
	p = b.post("/admin/joins/", "/admin/joins/"+strconv.FormatInt(reject, 10)+"/reject/", nil)
	expect(t, "reject", p, http.StatusSeeOther)
	p = b.post("/admin/joins/", "/admin/joins/"+strconv.FormatInt(reject, 10)+"/approve/", nil)
	expect(t, "decide twice", p, http.StatusConflict, "decided already")
	p = b.post("/admin/joins/", "/admin/joins/domains/", url.Values{"domain": {"alpha-corp.test"}, "auto_join": {"1"}})
	expect(t, "auto-join", p, http.StatusSeeOther)
	expect(t, "after", b.get("/admin/joins/"), http.StatusOK, "Turn auto-join off")
	jo := f.browser(t, "alpha.test")
	jo.login("/admin/", "jo@alpha-corp.test", "joiner-password")
	// another tenant's request is not this tenant's to decide
	other := f.addJoinRequest(t, f.beta, "zed@beta-corp.test")
	p = b.post("/admin/joins/", "/admin/joins/"+strconv.FormatInt(other, 10)+"/approve/", nil)
	expect(t, "other tenant's request", p, http.StatusNotFound)
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addUser(t, f.alpha, "max", "member")
	one, two := f.browser(t, "alpha.test"), f.browser(t, "alpha.test")
	one.login("/admin/", "max", "max-password")
	two.login("/admin/", "max", "max-password")
	p := one.post("/admin/profile/", "/admin/profile/password/", url.Values{"current": {"wrong"}, "new": {"new-password-1"}, "confirm": {"new-password-1"}})
	expect(t, "wrong current", p, http.StatusUnprocessableEntity, "not your current password")
	p = one.post("/admin/profile/", "/admin/profile/password/", url.Values{"current": {"max-password"}, "new": {"short"}, "confirm": {"short"}})
	expect(t, "short", p, http.StatusUnprocessableEntity, "at least")
	p = one.post("/admin/profile/", "/admin/profile/password/", url.Values{"current": {"max-password"}, "new": {"new-password-1"}, "confirm": {"new-password-1"}})
	expect(t, "change", p, http.StatusSeeOther)
	expect(t, "this session goes on", one.get("/admin/profile/"), http.StatusOK, "max")
	expect(t, "the other ended", two.get("/admin/profile/"), http.StatusSeeOther)
	f.browser(t, "alpha.test").login("/admin/", "max", "new-password-1")
}
