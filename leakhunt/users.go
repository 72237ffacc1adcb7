package leakhunt

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
)

func userPath(id int64) string { return fmt.Sprintf("/api/users/%d/", id) }

func (c *client) profile(ctx context.Context) {
	t, role := c.tenant(), c.role()
	resp := c.call(ctx, "profile", t, request{method: http.MethodGet, path: "/api/profile/", role: role}, http.StatusOK)
	if resp == nil || resp.status != http.StatusOK {
		return
	}
	var p api.Profile
	if err := json.Unmarshal(resp.body, &p); err != nil || p.Username != t.username(role) || p.Role != role ||
		p.TenantSchema != t.SchemaName || p.ID != t.users[role] {
		c.leak("profile", t, "the %s's profile is someone else's: %s", role, excerpt(resp.body))
	}
}

func (c *client) tenantInfo(ctx context.Context) {
	t := c.tenant()
	resp := c.call(ctx, "tenant_info", t, request{method: http.MethodGet, path: "/api/tenant/"}, http.StatusOK)
	if resp == nil || resp.status != http.StatusOK {
		return
	}
	var info api.TenantInfo
	if err := json.Unmarshal(resp.body, &info); err != nil || info.Schema != t.SchemaName || !strings.Contains(info.Name, t.marker) {
		c.leak("tenant_info", t, "another tenant's information: %s", excerpt(resp.body))
	}
}

func (c *client) listUsers(ctx context.Context) {
	t, role := c.tenant(), c.role()
	path := fmt.Sprintf("/api/users/?limit=%d", 1+c.rng.IntN(10))
	resp := c.call(ctx, "list_users", t, request{method: http.MethodGet, path: path, role: role},
		allowed(role, auth.UsersRead, http.StatusOK)...)
	c.checkPage("list_users", t, resp)
}

// getUser gets one of t's users by id, or one of another tenant's (not its
// owner, whose id 1 every tenant has): 404.
func (c *client) getUser(ctx context.Context) {
	t, role := c.tenant(), c.role()
	target := roles[c.rng.IntN(len(roles))]
	id, want := t.users[target], http.StatusOK
	if c.rng.IntN(2) == 0 {
		id, want = c.other(t).users[roles[1+c.rng.IntN(len(roles)-1)]], http.StatusNotFound
	}
	resp := c.call(ctx, "get_user", t, request{method: http.MethodGet, path: userPath(id), role: role},
		allowed(role, auth.UsersRead, want)...)
	if resp == nil || resp.status != http.StatusOK {
		return
	}
	var u auth.User
	if err := json.Unmarshal(resp.body, &u); err != nil || want != http.StatusOK || u.ID != id || u.Username != t.username(target) {
		c.leak("get_user", t, "asked for user %d, got %s", id, excerpt(resp.body))
	}
}

// userConflict gives the member the admin's email: the database's unique
// index refuses the update and aborts the transaction, 409.
func (c *client) userConflict(ctx context.Context) {
	t, role := c.tenant(), c.role()
	r := request{method: http.MethodPatch, path: userPath(t.users[auth.RoleMember]), role: role,
		body: map[string]string{"email": t.emails[auth.RoleAdmin]}}
	c.call(ctx, "user_conflict", t, r, allowed(role, auth.UsersManage, http.StatusConflict)...)
}

// createUserDuplicate creates a user with the member's username: the
// insert fails on the unique index and aborts the transaction, 409.
func (c *client) createUserDuplicate(ctx context.Context) {
	t, role := c.tenant(), c.role()
	r := request{method: http.MethodPost, path: "/api/users/", role: role, body: map[string]string{
		"username": t.username(auth.RoleMember), "email": "dup." + t.marker + "@leakhunt.test", "password": password}}
	c.call(ctx, "create_user_duplicate", t, r, allowed(role, auth.UsersManage, http.StatusConflict)...)
}

// foreignToken sends another tenant's token to t's host: 401.
func (c *client) foreignToken(ctx context.Context) {
	t := c.tenant()
	r, _ := c.simple(t, auth.RoleOwner)
	r.role, r.token = "", c.other(t).tokens[c.role()]
	c.call(ctx, "foreign_token", t, r, http.StatusUnauthorized)
}

// badToken sends no token, or a forged one: 401.
func (c *client) badToken(ctx context.Context) {
	t := c.tenant()
	r, _ := c.simple(t, auth.RoleOwner)
	r.role = ""
	if c.rng.IntN(2) == 0 {
		tok := t.tokens[auth.RoleViewer]
		r.token = tok[:len(tok)-4] + "AAAA" // a bad signature
	}
	c.call(ctx, "bad_token", t, r, http.StatusUnauthorized)
}

// unknownHost sends a valid token to a host no tenant has: 404.
func (c *client) unknownHost(ctx context.Context) {
	t := c.tenant()
	r, _ := c.simple(t, c.role())
	r.host = fmt.Sprintf("nobody%d.leakhunt.test", c.rng.Uint32())
	c.call(ctx, "unknown_host", t, r, http.StatusNotFound)
}

// login logs in (by username or email), refreshes the pair and revokes it.
func (c *client) login(ctx context.Context) {
	t, role := c.tenant(), c.role()
	creds := map[string]string{"username": t.username(role), "password": password}
	if c.rng.IntN(2) == 0 {
		creds["username"] = t.emails[role]
	}
	var pair api.TokenPair
	resp := c.call(ctx, "login", t, request{method: http.MethodPost, path: "/api/token/", body: creds}, http.StatusOK)
	if resp == nil || resp.status != http.StatusOK || json.Unmarshal(resp.body, &pair) != nil {
		return
	}
	resp = c.call(ctx, "refresh", t, request{method: http.MethodPost, path: "/api/token/refresh/",
		body: map[string]string{"refresh": pair.Refresh}}, http.StatusOK)
	if resp == nil || resp.status != http.StatusOK || json.Unmarshal(resp.body, &pair) != nil {
		return
	}
	c.call(ctx, "revoke", t, request{method: http.MethodPost, path: "/api/token/revoke/",
		body: map[string]string{"refresh": pair.Refresh}}, http.StatusNoContent)
}

// loginFailed logs in to an account that does not exist: 401, and 429 once
// it has failed often enough (the failed logins are written in the
// transaction that answers).
func (c *client) loginFailed(ctx context.Context) {
	t := c.tenant()
	creds := map[string]string{"username": "ghost." + t.marker, "password": "not-the-password"}
	c.call(ctx, "login_failed", t, request{method: http.MethodPost, path: "/api/token/", body: creds},
		http.StatusUnauthorized, http.StatusTooManyRequests)
}
