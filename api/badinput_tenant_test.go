package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"github.com/tenantry/tenantry/examples/items"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/signup"
)

// badTenantSecret is newAPIFixture's signing secret: the server built here
// accepts the fixture's tokens.
var badTenantSecret = []byte(strings.Repeat("s", 32))

// badTenantFixture is newAPIFixture's alpha and beta, served by a handler
// with signup wired in (so join requests and email domains are served),
// plus gamma, suspended.
type badTenantFixture struct {
	*apiFixture
	item        items.Item // alpha's item, for If-Match
	betaJoin    int64      // beta's pending join request
	decidedJoin int64      // alpha's rejected join request
	gammaOwner  string     // gamma's owner's token, from before the suspension
}

func setupBadTenant(t *testing.T) *badTenantFixture {
	t.Helper()
	f := &badTenantFixture{apiFixture: newAPIFixture(t)}
	env := f.env
	gamma := env.CreateTenant(t, "gamma")
	f.gammaOwner = f.login(t, "gamma.test", "owner", "owner-password")
	if _, err := env.Registry.SetStatus(context.Background(), gamma.Slug, tenantry.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	j, err := jobs.New(jobs.Config{Pool: env.Pool, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := signup.New(signup.Config{Pool: env.Pool, Provisioner: env.Provisioner, Jobs: j, BaseURL: "http://example.test"})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner(badTenantSecret)
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(&api.Config{Routes: itemRoutes, Pool: env.Pool, Resolver: env.Registry, DB: env.DB, Signer: signer,
		FallbackDomains: []string{"example.test"}, Provisioner: env.Provisioner, Registry: env.Registry, Signup: svc})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	f.item = f.createItem(t, "the item")
	hash, err := auth.HashPassword("join-password")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = env.Pool.QueryRow(ctx, `INSERT INTO public.join_requests (tenant_id, email, password_hash)
		VALUES ($1, 'eve@beta-mail.test', $2) RETURNING id`, f.beta.ID, hash).Scan(&f.betaJoin)
	if err == nil {
		err = env.Pool.QueryRow(ctx, `INSERT INTO public.join_requests (tenant_id, email, password_hash, status, decided_at)
			VALUES ($1, 'old@alpha-mail.test', $2, 'rejected', now()) RETURNING id`, f.alpha.ID, hash).Scan(&f.decidedJoin)
	}
	if err == nil {
		_, err = env.Pool.Exec(ctx, `INSERT INTO public.email_domains (domain, tenant_id)
			VALUES ('alpha-mail.test', $1), ('beta-mail.test', $2)`, f.alpha.ID, f.beta.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// hostileTokens are access tokens alpha.test must refuse, each valid in
// every way but one.
type hostileTokens struct {
	otherKey, algNone, expired, operator, ghost string
}

func (f *badTenantFixture) hostileTokens(t *testing.T) hostileTokens {
	t.Helper()
	owner := f.users[auth.RoleOwner]
	other, err := auth.NewSigner([]byte(strings.Repeat("o", 32)))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner(badTenantSecret)
	if err != nil {
		t.Fatal(err)
	}
	var h hostileTokens
	h.otherKey, _, err = other.IssueForTenant(f.alpha, owner)
	if err == nil {
		h.operator, _, err = signer.IssueForOperator(1, "root")
	}
	if err == nil {
		h.ghost, _, err = signer.IssueForTenant(f.alpha, &auth.User{ID: 999999, Username: "ghost", Role: auth.RoleOwner})
	}
	if err != nil {
		t.Fatal(err)
	}
	aud := auth.TenantAudience(f.alpha.ID)
	claims := func(at time.Time) auth.Claims {
		return auth.Claims{TenantID: f.alpha.ID, Role: auth.RoleOwner, Username: "owner", RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "tenantry", Subject: strconv.FormatInt(owner.ID, 10), Audience: jwt.ClaimStrings{aud},
			IssuedAt: jwt.NewNumericDate(at), NotBefore: jwt.NewNumericDate(at), ExpiresAt: jwt.NewNumericDate(at.Add(auth.AccessTTL)),
		}}
	}
	// The tenant's key, derived as auth.Signer derives it: a token that
	// fails only on its expiry.
	mac := hmac.New(sha256.New, badTenantSecret)
	mac.Write([]byte("tenantry access token key\x00" + aud))
	if h.expired, err = jwt.NewWithClaims(jwt.SigningMethodHS256, claims(time.Now().Add(-time.Hour))).SignedString(mac.Sum(nil)); err != nil {
		t.Fatal(err)
	}
	if h.algNone, err = jwt.NewWithClaims(jwt.SigningMethodNone, claims(time.Now())).SignedString(jwt.UnsafeAllowNoneSignatureType); err != nil {
		t.Fatal(err)
	}
	return h
}

// alphaState is what a refused request must not change: alpha's items and
// users, the join requests and the email domains.
func (f *badTenantFixture) alphaState(t *testing.T) string {
	t.Helper()
	var s string
	err := f.env.Pool.QueryRow(context.Background(), `SELECT concat_ws(' | ',
		(SELECT string_agg(id || ':' || name || ':' || description || ':' || updated_at, ',' ORDER BY id) FROM tenant_alpha.items),
		(SELECT string_agg(id || ':' || username || ':' || email || ':' || role || ':' || is_active || ':' || password_hash, ',' ORDER BY id)
			FROM tenant_alpha.users),
		(SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM public.join_requests),
		(SELECT string_agg(domain || ':' || auto_join, ',' ORDER BY domain) FROM public.email_domains),
		(SELECT string_agg(slug || ':' || status, ',' ORDER BY slug) FROM public.tenants))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// bearer is the Authorization header of tok.
func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// TestBadInputTenant is the catalogue of hostile input on a tenant's host:
// tokens, items, users, join requests, email domains, the audit log, login
// and a suspended tenant.
func TestBadInputTenant(t *testing.T) {
	t.Parallel()
	f := setupBadTenant(t)
	h := f.hostileTokens(t)
	owner, admin, member, viewer, billing := f.tokens[auth.RoleOwner], f.tokens[auth.RoleAdmin], f.tokens[auth.RoleMember],
		f.tokens[auth.RoleViewer], f.tokens[auth.RoleBilling]
	ownerID := f.users[auth.RoleOwner].ID
	item, stale := itemPath(f.item.ID), `W/"`+strconv.FormatInt(f.item.UpdatedAt.Add(-time.Second).UnixMicro(), 10)+`"`
	joinPath := func(id int64, verb string) string {
		return "/api/join-requests/" + strconv.FormatInt(id, 10) + "/" + verb + "/"
	}
	as := func(tok, name, method, path string, body any, status int, msg string) badRequest {
		return badRequest{name: name, method: method, path: path, header: bearer(tok), body: body, status: status, msg: msg}
	}
	items := func(name string, header []string, status int, msg string) badRequest {
		return badRequest{name: name, path: "/api/items/", header: header, status: status, msg: msg}
	}
	const noAuth = "authentication required: a valid access token for this tenant"
	cases := []badRequest{
		// Tokens.
		{name: "no token", path: "/api/items/", status: 401, msg: noAuth, wantHeader: "WWW-Authenticate"},
		items("Basic scheme", []string{"Authorization", "Basic b3duZXI6b3duZXItcGFzc3dvcmQ="}, 401, noAuth),
		items("Token scheme", []string{"Authorization", "Token " + owner}, 401, noAuth),
		items("token without a scheme", []string{"Authorization", owner}, 401, noAuth),
		items("Bearer without a token", []string{"Authorization", "Bearer"}, 401, noAuth),
		items("garbage token", bearer("not.a.token"), 401, noAuth),
		items("token signed with another key", bearer(h.otherKey), 401, noAuth),
		items("alg none", bearer(h.algNone), 401, noAuth),
		items("expired token", bearer(h.expired), 401, noAuth),
		items("other tenant's token", bearer(f.betaOwner), 401, noAuth),
		items("operator's token", bearer(h.operator), 401, noAuth),
		items("token of no user", bearer(h.ghost), 401, noAuth),
		items("5000-byte token", bearer(strings.Repeat("a", 5000)), 401, "authentication required"),
		as(viewer, "viewer writes", "POST", "/api/items/", map[string]string{"name": "x"}, 403, "your role (viewer) does not allow this"),
		as(member, "member manages users", "POST", "/api/users/", map[string]string{"username": "x", "email": "x@alpha.test", "password": "long enough"},
			403, "your role (member) does not allow this"),
		as(billing, "billing reads the audit log", "GET", "/api/audit/", nil, 403, "your role (billing) does not allow this"),

		// Items.
		as(owner, "201-character title", "POST", "/api/items/", map[string]string{"name": strings.Repeat("t", 201)}, 422, "body.name: expected length <= 200"),
		as(owner, "10001-character description", "POST", "/api/items/", map[string]string{"name": "x", "description": strings.Repeat("d", 10001)},
			422, "body.description: expected length <= 10000"),
		as(owner, "blank title", "POST", "/api/items/", map[string]string{"name": " \t "}, 422, "name must not be blank"),
		as(owner, "NUL in title", "POST", "/api/items/", map[string]string{"name": "a\x00b"}, 422, "name must not contain NUL characters"),
		as(owner, "NUL in description", "POST", "/api/items/", map[string]string{"name": "x", "description": "\x00"}, 422, "description must not contain NUL characters"),
		as(owner, "title of wrong type", "POST", "/api/items/", map[string]any{"name": 7}, 422, "body.name: expected string"),
		as(owner, "no title", "POST", "/api/items/", map[string]string{"description": "x"}, 422, "expected required property name to be present"),
		as(owner, "unknown item field", "POST", "/api/items/", map[string]any{"name": "x", "created_by": 1}, 422, "body.created_by: unexpected property"),
		as(owner, "item body over 1 MiB", "POST", "/api/items/", `{"name":"x","description":"`+strings.Repeat("d", api.MaxBodyBytes)+`"}`,
			413, "request body is too large"),
		as(owner, "empty patch", "PATCH", item, map[string]any{}, 422, "nothing to change: give name, description or both"),
		as(owner, "patch to an empty title", "PATCH", item, map[string]string{"name": ""}, 422, "body.name: expected length >= 1"),
		as(owner, "negative id", "GET", "/api/items/-1/", nil, 422, "path.id: expected number >= 1"),
		as(owner, "zero id", "GET", "/api/items/0/", nil, 422, "path.id: expected number >= 1"),
		as(owner, "id past int64", "GET", "/api/items/9223372036854775808/", nil, 422, "path.id: invalid integer"),
		as(owner, "non-numeric id", "GET", "/api/items/abc/", nil, 422, "path.id: invalid integer"),
		as(owner, "fractional id", "DELETE", "/api/items/1.5/", nil, 422, "path.id: invalid integer"),
		as(owner, "largest id", "GET", "/api/items/9223372036854775807/", nil, 404, "item 9223372036854775807 not found"),
		as(owner, "limit 0", "GET", "/api/items/?limit=0", nil, 422, "query.limit: expected number >= 1"),
		as(owner, "limit 101", "GET", "/api/items/?limit=101", nil, 422, "query.limit: expected number <= 100"),
		as(owner, "limit not a number", "GET", "/api/items/?limit=ten", nil, 422, "query.limit: invalid integer"),
		as(owner, "negative offset", "GET", "/api/users/?offset=-1", nil, 422, "query.offset: expected number >= 0"),
		as(owner, "offset past int64", "GET", "/api/items/?offset=9223372036854775808", nil, 422, "query.offset: invalid integer"),
		as(owner, "largest offset", "GET", "/api/items/?offset=9223372036854775807", nil, 200, `"results":[]`),
		{name: "stale If-Match", method: "PATCH", path: item, header: append(bearer(owner), "If-Match", stale), body: map[string]string{"name": "lost"},
			status: 412, msg: "has changed since the version in If-Match", wantHeader: "ETag"},
		{name: "stale If-Match on delete", method: "DELETE", path: item, header: append(bearer(owner), "If-Match", stale),
			status: 412, msg: "has changed since the version in If-Match"},
		// docs/decisions.md: a malformed If-Match is a version that does not match (RFC 9110): 412.
		{name: "malformed If-Match", method: "PUT", path: item, header: append(bearer(owner), "If-Match", "garbage"), body: map[string]string{"name": "lost"},
			status: 412, msg: "has changed since the version in If-Match", wantHeader: "ETag"},
		{name: "1025-byte If-Match", method: "PATCH", path: item, header: append(bearer(owner), "If-Match", strings.Repeat("1", 1025)),
			body: map[string]string{"name": "lost"}, status: 422, msg: "header.If-Match: expected length <= 1024"},
		{name: "If-Match on a missing item", method: "PUT", path: "/api/items/999999/", header: append(bearer(owner), "If-Match", stale),
			body: map[string]string{"name": "x"}, status: 404, msg: "item 999999 not found"},

		// Users.
		as(owner, "username with a space", "POST", "/api/users/", hostileUser("a b", "ab@alpha.test", "long enough", ""), 422, "body.username: expected string to be a username"),
		as(owner, "username with NUL", "POST", "/api/users/", hostileUser("a\x00b", "ab@alpha.test", "long enough", ""), 422, "body.username: expected string to be a username"),
		as(owner, "151-character username", "POST", "/api/users/", hostileUser(strings.Repeat("u", 151), "u@alpha.test", "long enough", ""),
			422, "body.username: expected length <= 150"),
		as(owner, "invalid email", "POST", "/api/users/", hostileUser("ana", "ana", "long enough", ""), 422, "body.email: expected string to be an email address such as ana@example.com"),
		as(owner, "email without a domain", "POST", "/api/users/", hostileUser("ana", "ana@", "long enough", ""), 422, "body.email: expected string to be an email address"),
		as(owner, "unknown role", "POST", "/api/users/", hostileUser("ana", "ana@alpha.test", "long enough", "superuser"), 422, `body.role: expected value to be one of "admin, billing, member, owner, viewer"`),
		as(owner, "upper-case role", "POST", "/api/users/", hostileUser("ana", "ana@alpha.test", "long enough", "OWNER"), 422, "body.role: expected value to be one of"),
		as(owner, "short password", "POST", "/api/users/", hostileUser("ana", "ana@alpha.test", "short", ""), 422, "body.password: expected length >= 8"),
		as(owner, "257-character password", "POST", "/api/users/", hostileUser("ana", "ana@alpha.test", strings.Repeat("p", 257), ""),
			422, "body.password: expected length <= 256"),
		as(owner, "taken username", "POST", "/api/users/", hostileUser("member", "new@alpha.test", "long enough", ""), 409,
			"a user with that username or email already exists"),
		as(owner, "taken email in another case", "POST", "/api/users/", hostileUser("new", "MEMBER@Alpha.Test", "long enough", ""), 409,
			"a user with that username or email already exists"),
		as(admin, "admin makes an owner", "POST", "/api/users/", hostileUser("boss", "boss@alpha.test", "long enough", auth.RoleOwner), 403,
			"your role does not allow this"),
		as(owner, "last owner demotes itself", "PATCH", userPath(ownerID), map[string]string{"role": auth.RoleAdmin}, 409,
			"the tenant's last owner cannot be demoted, deactivated or deleted"),
		as(owner, "last owner deactivates itself", "PATCH", userPath(ownerID), map[string]bool{"is_active": false}, 409, "last owner"),
		as(owner, "last owner deletes itself", "DELETE", userPath(ownerID), nil, 409, "last owner"),
		as(admin, "admin deletes the owner", "DELETE", userPath(ownerID), nil, 403, "your role does not allow this"),
		as(owner, "empty user patch", "PATCH", userPath(ownerID), map[string]any{}, 422, "nothing to change: give email, role, is_active or password"),
		as(owner, "is_active of wrong type", "PATCH", userPath(ownerID), map[string]string{"is_active": "no"}, 422, "body.is_active: expected boolean"),
		as(owner, "patch of a missing user", "PATCH", userPath(999999), map[string]string{"role": auth.RoleViewer}, 404, "user 999999 not found"),
		as(owner, "delete of a missing user", "DELETE", userPath(999999), nil, 404, "user 999999 not found"),
		as(owner, "user id 0", "GET", "/api/users/0/", nil, 422, "path.id: expected number >= 1"),

		// Join requests and email domains.
		as(owner, "approve a missing join request", "POST", joinPath(999999, "approve"), nil, 404, "no such join request in this tenant"),
		as(owner, "approve another tenant's join request", "POST", joinPath(f.betaJoin, "approve"), nil, 404, "no such join request in this tenant"),
		as(owner, "reject another tenant's join request", "POST", joinPath(f.betaJoin, "reject"), nil, 404, "no such join request in this tenant"),
		as(owner, "approve a decided join request", "POST", joinPath(f.decidedJoin, "approve"), nil, 409, "this join request has already been decided"),
		as(owner, "join request id 0", "POST", joinPath(0, "reject"), nil, 422, "path.id: expected number >= 1"),
		as(member, "member approves", "POST", joinPath(f.decidedJoin, "approve"), nil, 403, "your role (member) does not allow this"),
		as(owner, "unknown join status", "GET", "/api/join-requests/?status=bogus", nil, 422, "query.status: expected value to be one of"),
		as(owner, "unclaimed email domain", "PATCH", "/api/email-domains/nobody.test/", map[string]bool{"auto_join": true}, 404,
			"this tenant has not claimed that email domain"),
		as(owner, "another tenant's email domain", "PATCH", "/api/email-domains/beta-mail.test/", map[string]bool{"auto_join": true}, 404,
			"this tenant has not claimed that email domain"),
		as(owner, "254-character email domain", "PATCH", "/api/email-domains/"+strings.Repeat("d", 254)+"/", map[string]bool{"auto_join": true},
			422, "path.domain: expected length <= 253"),
		as(owner, "auto_join of wrong type", "PATCH", "/api/email-domains/alpha-mail.test/", map[string]string{"auto_join": "yes"}, 422,
			"body.auto_join: expected boolean"),
		as(owner, "NUL in email domain", "PATCH", "/api/email-domains/a%00b.test/", map[string]bool{"auto_join": true}, 400,
			"the path or query holds a NUL or invalid UTF-8"),
		as(owner, "invalid UTF-8 email domain", "PATCH", "/api/email-domains/%ff.test/", map[string]bool{"auto_join": true}, 400,
			"the path or query holds a NUL or invalid UTF-8"),

		// The audit log.
		as(owner, "audit limit 0", "GET", "/api/audit/?limit=0", nil, 422, "query.limit: expected number >= 1"),
		as(owner, "audit limit 501", "GET", "/api/audit/?limit=501", nil, 422, "query.limit: expected number <= 500"),
		as(owner, "negative before_id", "GET", "/api/audit/?before_id=-1", nil, 422, "query.before_id: expected number >= 0"),
		as(owner, "before_id not a number", "GET", "/api/audit/?before_id=last", nil, 422, "query.before_id: invalid integer"),
		as(owner, "101-character action", "GET", "/api/audit/?action="+strings.Repeat("a", 101), nil, 422, "query.action: expected length <= 100"),
		as(owner, "NUL in action", "GET", "/api/audit/?action=%00", nil, 400, "the path or query holds a NUL or invalid UTF-8"),
		as(owner, "invalid UTF-8 action", "GET", "/api/audit/?action=%ff", nil, 400, "the path or query holds a NUL or invalid UTF-8"),

		// Login and refresh.
		{name: "wrong password", method: "POST", path: "/api/token/", body: map[string]string{"username": "member", "password": "wrong-password"},
			status: 401, msg: "invalid username or password", wantHeader: "WWW-Authenticate"},
		{name: "unknown user", method: "POST", path: "/api/token/", body: map[string]string{"username": "nobody", "password": "x"},
			status: 401, msg: "invalid username or password"},
		{name: "NUL in username", method: "POST", path: "/api/token/", body: map[string]string{"username": "member\x00", "password": "x"},
			status: 422, msg: "a value holds characters or a size the database cannot store (NUL, invalid UTF-8, out of range)"},
		{name: "no username", method: "POST", path: "/api/token/", body: map[string]string{"password": "x"}, status: 422, msg: "username or email is required"},
		{name: "garbage refresh token", method: "POST", path: "/api/token/refresh/", body: map[string]string{"refresh": "garbage"},
			status: 401, msg: "invalid or expired token"},
		{name: "129-byte refresh token", method: "POST", path: "/api/token/refresh/", body: map[string]string{"refresh": strings.Repeat("r", 129)},
			status: 422, msg: "body.refresh: expected length <= 128"},
		{name: "NUL in refresh token", method: "POST", path: "/api/token/refresh/", body: map[string]string{"refresh": "\x00"},
			status: 401, msg: "invalid or expired token"},

		// Other hosts and surfaces.
		{name: "signup on a tenant's host", method: "POST", path: "/api/signup/", body: signupBody("ana@acme.com", "a long secret", "Acme"),
			status: 404, msg: "no such endpoint: POST /api/signup/"},
		as(owner, "platform API on a tenant's host", "GET", "/api/platform/tenants/", nil, 404, "no such endpoint: GET /api/platform/tenants/"),
		as(owner, "platform API by an encoded dot-dot", "GET", "/api/items/%2e%2e/platform/tenants/", nil, 404,
			"no such endpoint"),
		{name: "suspended tenant", host: "gamma.test", path: "/api/items/", header: bearer(f.gammaOwner), status: 503,
			msg: "this tenant is suspended", wantHeader: "Retry-After"},
		{name: "suspended tenant's login", host: "gamma.test", method: "POST", path: "/api/token/",
			body: map[string]string{"username": "owner", "password": "owner-password"}, status: 503, msg: "this tenant is suspended"},
		{name: "method an endpoint does not take", method: "PUT", path: "/api/items/", header: bearer(owner), body: map[string]string{"name": "x"},
			status: 405, msg: "PUT is not allowed on /api/items: use GET, POST", wantHeader: "Allow"},
		{name: "host of no tenant", host: "nobody.test", path: "/api/items/", header: bearer(owner), status: 404, msg: "no tenant serves this host"},
	}
	before := f.alphaState(t)
	checkBad(t, f.srv, "alpha.test", cases)
	if after := f.alphaState(t); after != before {
		t.Errorf("refused requests changed the data:\nbefore %s\nafter  %s", before, after)
	}
}

func hostileUser(username, email, password, role string) map[string]string {
	b := map[string]string{"username": username, "email": email, "password": password}
	if role != "" {
		b["role"] = role
	}
	return b
}
