package api_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

// usersEndpoints are the users operations, on a given user. The create body
// is replaced where a test needs unique names.
var usersEndpoints = []itemsEndpoint{
	{"list", "GET", func(int64) string { return "/api/users" }, nil},
	{"get", "GET", userPath, nil},
	{"create", "POST", func(int64) string { return "/api/users/" }, newUserBody("newcomer", auth.RoleMember)},
	{"patch", "PATCH", func(id int64) string { return fmt.Sprintf("/api/users/%d", id) }, map[string]string{"role": auth.RoleViewer}},
	{"delete", "DELETE", userPath, nil},
}

func newUserBody(username, role string) map[string]string {
	return map[string]string{"username": username, "email": strings.ToLower(username) + "@alpha.test",
		"password": username + "-password", "role": role}
}

func TestUsersRoleMatrix(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	want := map[string][]int{ // in the order of usersEndpoints
		auth.RoleOwner:   {200, 200, 201, 200, 204},
		auth.RoleAdmin:   {200, 200, 201, 200, 204},
		auth.RoleMember:  {403, 403, 403, 403, 403},
		auth.RoleViewer:  {403, 403, 403, 403, 403},
		auth.RoleBilling: {403, 403, 403, 403, 403},
		"anonymous":      {401, 401, 401, 401, 401},
	}
	for role, statuses := range want {
		target := f.createUser(t, "target-"+role, auth.RoleMember)
		for i, e := range usersEndpoints {
			body := e.body
			if e.name == "create" {
				body = newUserBody("new-"+role, auth.RoleMember)
			}
			r := f.call(t, e.method, "alpha.test", e.path(target.ID), f.tokens[role], body)
			if r.Status != statuses[i] {
				t.Errorf("%s %s as %s: %d %s, want %d", e.method, e.path(target.ID), role, r.Status, r.Body, statuses[i])
			}
		}
	}
}

func TestUsersOnlyOwnersManageOwners(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	admin, owner := f.tokens[auth.RoleAdmin], f.tokens[auth.RoleOwner]
	ownerID, memberID := f.users[auth.RoleOwner].ID, f.users[auth.RoleMember].ID
	for _, c := range []struct {
		name, method, path string
		body               any
	}{
		{"create an owner", "POST", "/api/users", newUserBody("boss", auth.RoleOwner)},
		{"change an owner", "PATCH", userPath(ownerID), map[string]string{"email": "new@alpha.test"}},
		{"deactivate an owner", "PATCH", userPath(ownerID), map[string]bool{"is_active": false}},
		{"demote an owner", "PATCH", userPath(ownerID), map[string]string{"role": auth.RoleAdmin}},
		{"make an owner", "PATCH", userPath(memberID), map[string]string{"role": auth.RoleOwner}},
		{"delete an owner", "DELETE", userPath(ownerID), nil},
	} {
		if r := f.call(t, c.method, "alpha.test", c.path, admin, c.body); r.Status != 403 || !strings.Contains(r.Body, "does not allow") {
			t.Errorf("admin may not %s: %d %s", c.name, r.Status, r.Body)
		}
	}
	if r := f.call(t, "POST", "alpha.test", "/api/users", owner, newUserBody("boss", auth.RoleOwner)); r.Status != 201 {
		t.Errorf("owner creates an owner: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "PATCH", "alpha.test", userPath(memberID), owner, map[string]string{"role": auth.RoleOwner}); r.Status != 200 ||
		!strings.Contains(r.Body, `"role":"owner"`) {
		t.Errorf("owner makes an owner: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "PATCH", "alpha.test", userPath(memberID), admin, map[string]string{"role": auth.RoleMember}); r.Status != 403 {
		t.Errorf("admin unmakes an owner: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "PATCH", "alpha.test", userPath(f.users[auth.RoleViewer].ID), admin, map[string]string{"role": auth.RoleAdmin}); r.Status != 200 {
		t.Errorf("admin makes an admin: %d %s", r.Status, r.Body)
	}
}

func TestUsersLifecycle(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	owner := f.tokens[auth.RoleOwner]
	r := f.call(t, "POST", "alpha.test", "/api/users", owner, map[string]string{
		"username": "Zoe", "email": " Zoe@Alpha.TEST ", "password": "zoe-password", "role": auth.RoleViewer})
	var zoe auth.User
	r.decode(t, &zoe)
	if r.Status != 201 || r.Header.Get("Location") != userPath(zoe.ID) || zoe.Username != "Zoe" ||
		zoe.Email != "zoe@alpha.test" || zoe.Role != auth.RoleViewer || !zoe.IsActive || zoe.DateJoined.IsZero() {
		t.Fatalf("create: %d %v %s", r.Status, r.Header, r.Body)
	}
	if strings.Contains(r.Body, "password") || strings.Contains(r.Body, "argon2") {
		t.Errorf("a user's JSON shows its password: %s", r.Body)
	}
	tok := f.login(t, "alpha.test", "zoe", "zoe-password")
	if r := f.call(t, "GET", "alpha.test", "/api/items", tok, nil); r.Status != 200 {
		t.Errorf("the new viewer lists items: %d %s", r.Status, r.Body)
	}
	r = f.call(t, "GET", "alpha.test", userPath(zoe.ID), f.tokens[auth.RoleAdmin], nil)
	if r.Status != 200 || !strings.Contains(r.Body, `"username":"Zoe"`) || strings.Contains(r.Body, "argon2") {
		t.Errorf("get: %d %s", r.Status, r.Body)
	}
	r = f.call(t, "PATCH", "alpha.test", userPath(zoe.ID), owner, map[string]string{"password": "zoe-new-password"})
	if r.Status != 200 || strings.Contains(r.Body, "argon2") {
		t.Errorf("change password: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "POST", "alpha.test", "/api/token", "", map[string]string{"username": "zoe", "password": "zoe-password"}); r.Status != 401 {
		t.Errorf("the old password still logs in: %d", r.Status)
	}
	tok = f.login(t, "alpha.test", "zoe", "zoe-new-password")
	r = f.call(t, "PATCH", "alpha.test", userPath(zoe.ID), owner, map[string]bool{"is_active": false})
	if r.Status != 200 || !strings.Contains(r.Body, `"is_active":false`) {
		t.Errorf("deactivate: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "GET", "alpha.test", "/api/items", tok, nil); r.Status != 401 {
		t.Errorf("a deactivated user's token: %d %s", r.Status, r.Body)
	}
	f.call(t, "PATCH", "alpha.test", userPath(zoe.ID), owner, map[string]bool{"is_active": true})
	if r := f.call(t, "GET", "alpha.test", "/api/items", tok, nil); r.Status != 200 {
		t.Errorf("a reactivated user's token: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "DELETE", "alpha.test", userPath(zoe.ID), f.tokens[auth.RoleAdmin], nil); r.Status != 204 || r.Body != "" {
		t.Errorf("delete: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "GET", "alpha.test", "/api/items", tok, nil); r.Status != 401 {
		t.Errorf("a deleted user's token: %d %s", r.Status, r.Body)
	}
	for _, e := range usersEndpoints[1:] {
		if e.name == "create" {
			continue
		}
		r := f.call(t, e.method, "alpha.test", e.path(zoe.ID), owner, e.body)
		if r.Status != 404 || !strings.Contains(r.Body, fmt.Sprintf("user %d not found", zoe.ID)) {
			t.Errorf("%s a deleted user: %d %s", e.method, r.Status, r.Body)
		}
	}
}

func TestUsersPagination(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	for _, c := range []struct {
		query                string
		limit, offset, count int
	}{
		{"", 20, 0, 5},
		{"?limit=2", 2, 0, 2},
		{"?limit=2&offset=4", 2, 4, 1},
		{"?offset=5", 20, 5, 0},
	} {
		r := f.call(t, "GET", "alpha.test", "/api/users/"+c.query, f.tokens[auth.RoleAdmin], nil)
		var page api.Page[auth.User]
		r.decode(t, &page)
		if r.Status != 200 || page.Count != 5 || page.Limit != c.limit || page.Offset != int64(c.offset) ||
			len(page.Results) != c.count || page.Results == nil {
			t.Errorf("GET /api/users/%s: %d %s", c.query, r.Status, r.Body)
			continue
		}
		if !slices.IsSortedFunc(page.Results, func(a, b auth.User) int { return int(a.ID - b.ID) }) {
			t.Errorf("GET /api/users/%s: not by id: %s", c.query, r.Body)
		}
	}
}

func TestUsersLastOwnerIsKept(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	owner, self := f.tokens[auth.RoleOwner], userPath(f.users[auth.RoleOwner].ID)
	f.createUser(t, "gone", auth.RoleOwner)
	f.inAlpha(t, func(ctx context.Context, tx *tenantdb.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE users SET is_active = false WHERE username = 'gone'")
		return err
	})
	refusals := []struct {
		method string
		body   any
	}{
		{"PATCH", map[string]string{"role": auth.RoleAdmin}},
		{"PATCH", map[string]bool{"is_active": false}},
		{"PATCH", map[string]any{"role": auth.RoleMember, "email": "x@alpha.test"}},
		{"DELETE", nil},
	}
	for _, c := range refusals {
		if r := f.call(t, c.method, "alpha.test", self, owner, c.body); r.Status != 409 || !strings.Contains(r.Body, "last owner") {
			t.Errorf("%s %v of the only active owner: %d %s", c.method, c.body, r.Status, r.Body)
		}
	}
	if r := f.call(t, "PATCH", "alpha.test", self, owner, map[string]string{"role": auth.RoleOwner}); r.Status != 200 {
		t.Errorf("the last owner stays owner: %d %s", r.Status, r.Body)
	}
	r := f.call(t, "POST", "alpha.test", "/api/users", owner, newUserBody("heir", auth.RoleOwner))
	var heir auth.User
	r.decode(t, &heir)
	if r := f.call(t, "PATCH", "alpha.test", self, owner, map[string]string{"role": auth.RoleAdmin}); r.Status != 200 {
		t.Errorf("with another owner, the first steps down: %d %s", r.Status, r.Body)
	}
	heirTok := f.login(t, "alpha.test", "heir", "heir-password")
	for _, c := range refusals {
		if r := f.call(t, c.method, "alpha.test", userPath(heir.ID), heirTok, c.body); r.Status != 409 {
			t.Errorf("%s %v of the new only owner: %d %s", c.method, c.body, r.Status, r.Body)
		}
	}
}

// TestUsersConcurrentOwnerDemotions has a tenant's two owners step down at the
// same moment: one succeeds, the other gets 409, and one owner is left.
func TestUsersConcurrentOwnerDemotions(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	second := f.createUser(t, "second", auth.RoleOwner)
	owners := []struct {
		id    int64
		token string
	}{
		{f.users[auth.RoleOwner].ID, f.tokens[auth.RoleOwner]},
		{second.ID, f.login(t, "alpha.test", "second", "second-password")},
	}
	changes := []any{map[string]string{"role": auth.RoleAdmin}, map[string]bool{"is_active": false}}
	for round := range 12 {
		change := changes[round%2]
		statuses := make([]int, 2)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, o := range owners {
			wg.Go(func() {
				<-start
				r := f.call(t, "PATCH", "alpha.test", userPath(o.id), o.token, change)
				statuses[i] = r.Status
				if r.Status != 200 && r.Status != 409 {
					t.Errorf("round %d: %d %s", round, r.Status, r.Body)
				}
			})
		}
		close(start)
		wg.Wait()
		var left int
		f.inAlpha(t, func(ctx context.Context, tx *tenantdb.Tx) error {
			err := tx.QueryRow(ctx, "SELECT count(*) FROM users WHERE role = 'owner' AND is_active").Scan(&left)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, "UPDATE users SET role = 'owner', is_active = true WHERE id = ANY($1)", []int64{owners[0].id, owners[1].id})
			return err
		})
		if slices.Min(statuses) != 200 || slices.Max(statuses) != 409 || left != 1 {
			t.Fatalf("round %d, %v: statuses %v, %d active owners left", round, change, statuses, left)
		}
	}
}

func TestUsersBadInput(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	member := userPath(f.users[auth.RoleMember].ID)
	body := func(kv ...string) map[string]string {
		b := newUserBody("fresh", "")
		delete(b, "role")
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "<absent>" {
				delete(b, kv[i])
			} else {
				b[kv[i]] = kv[i+1]
			}
		}
		return b
	}
	for _, c := range []struct {
		name, method, path string
		body               any
		header             []string
		want               int
		msg                string
	}{
		{"malformed JSON", "POST", "/api/users", `{"username": `, nil, 400, "unexpected end of JSON"},
		{"missing password", "POST", "/api/users", body("password", "<absent>"), nil, 422, "expected required property password"},
		{"missing email", "POST", "/api/users", body("email", "<absent>"), nil, 422, "expected required property email"},
		{"wrong type", "POST", "/api/users", `{"username": 7, "email": "a@alpha.test", "password": "long-enough"}`, nil, 422, "expected string"},
		{"unknown field", "POST", "/api/users", `{"username": "a", "email": "a@alpha.test", "password": "long-enough", "is_superuser": true}`, nil, 422, "unexpected property"},
		{"bad username", "POST", "/api/users", body("username", "has space"), nil, 422, "body.username"},
		{"NUL in username", "POST", "/api/users", body("username", "a\x00b"), nil, 422, "body.username"},
		{"username of 151 characters", "POST", "/api/users", body("username", strings.Repeat("u", 151)), nil, 422, "expected length <= 150"},
		{"bad email", "POST", "/api/users", body("email", "not-an-email"), nil, 422, "expected string to be an email address"},
		{"NUL in email", "POST", "/api/users", body("email", "a\x00b@alpha.test"), nil, 422, "expected string to be an email address"},
		{"short password", "POST", "/api/users", body("password", "short"), nil, 422, "expected length >= 8"},
		{"password of 257 characters", "POST", "/api/users", body("password", strings.Repeat("p", 257)), nil, 422, "expected length <= 256"},
		{"unknown role", "POST", "/api/users", body("role", "superuser"), nil, 422, "expected value to be one of"},
		{"taken username", "POST", "/api/users", body("username", "MEMBER"), nil, 409, "already exists"},
		{"taken email", "POST", "/api/users", body("email", "Viewer@alpha.test"), nil, 409, "already exists"},
		{"wrong content type", "POST", "/api/users", `{}`, []string{"Content-Type", "application/xml"}, 415, "unknown content type"},
		{"body over 1 MiB", "POST", "/api/users", body("username", strings.Repeat("u", api.MaxBodyBytes)), nil, 413, "too large"},
		{"empty patch", "PATCH", member, `{}`, nil, 422, "nothing to change"},
		{"is_active not a boolean", "PATCH", member, `{"is_active": "no"}`, nil, 422, "expected boolean"},
		{"patch unknown field", "PATCH", member, `{"username": "renamed"}`, nil, 422, "unexpected property"},
		{"patch bad email", "PATCH", member, `{"email": "nope"}`, nil, 422, "expected string to be an email address"},
		{"patch taken email", "PATCH", member, `{"email": "admin@alpha.test"}`, nil, 409, "already exists"},
		{"patch short password", "PATCH", member, `{"password": "short"}`, nil, 422, "expected length >= 8"},
		{"patch empty role", "PATCH", member, `{"role": ""}`, nil, 422, "expected length >= 1"},
		{"patch unknown role", "PATCH", member, `{"role": "root"}`, nil, 422, "expected value to be one of"},
		{"patch missing user", "PATCH", "/api/users/424242", `{"role": "viewer"}`, nil, 404, "user 424242 not found"},
		{"delete missing user", "DELETE", "/api/users/424242", nil, nil, 404, "user 424242 not found"},
		{"get missing user", "GET", "/api/users/424242", nil, nil, 404, "user 424242 not found"},
		{"non-numeric id", "DELETE", "/api/users/me", nil, nil, 422, "invalid integer"},
		{"zero id", "PATCH", "/api/users/0", `{"role": "viewer"}`, nil, 422, "expected number >= 1"},
		{"limit 101", "GET", "/api/users?limit=101", nil, nil, 422, "expected number <= 100"},
	} {
		r := f.call(t, c.method, "alpha.test", c.path, f.tokens[auth.RoleOwner], c.body, c.header...)
		if r.Status != c.want || !strings.Contains(r.Body, c.msg) || r.Header.Get("Content-Type") != "application/problem+json" {
			body := r.Body
			if len(body) > 300 {
				body = body[:300] + "..."
			}
			t.Errorf("%s: %d %s %s, want %d with %q", c.name, r.Status, r.Header.Get("Content-Type"), body, c.want, c.msg)
		}
	}
	r := f.call(t, "GET", "alpha.test", "/api/users", f.tokens[auth.RoleOwner], nil)
	if !strings.Contains(r.Body, `"count":5`) || !strings.Contains(r.Body, `"email":"member@alpha.test","role":"member"`) {
		t.Errorf("bad input changed the users: %s", r.Body)
	}
}

// A new password ends the user's sessions at once: access tokens issued
// before it are refused, not only its refresh tokens.
func TestUsersPasswordChangeEndsAccessTokens(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	old := f.tokens[auth.RoleMember]
	if r := f.call(t, "GET", "alpha.test", "/api/profile/", old, nil); r.Status != 200 {
		t.Fatalf("before the change: %d", r.Status)
	}
	var member struct{ ID int64 }
	f.call(t, "GET", "alpha.test", "/api/profile/", old, nil).decode(t, &member)
	time.Sleep(1100 * time.Millisecond) // token times have whole seconds
	r := f.call(t, "PATCH", "alpha.test", userPath(member.ID), f.tokens[auth.RoleOwner], map[string]string{"password": "a brand new password"})
	if r.Status != 200 {
		t.Fatalf("change password: %d %s", r.Status, r.Body)
	}
	for _, path := range []string{"/api/profile/", "/api/items/"} {
		if r := f.call(t, "GET", "alpha.test", path, old, nil); r.Status != 401 {
			t.Errorf("GET %s with a token from before the change: %d, want 401", path, r.Status)
		}
	}
	fresh := f.login(t, "alpha.test", auth.RoleMember, "a brand new password")
	if r := f.call(t, "GET", "alpha.test", "/api/profile/", fresh, nil); r.Status != 200 {
		t.Errorf("a token from after the change: %d, want 200", r.Status)
	}
}
