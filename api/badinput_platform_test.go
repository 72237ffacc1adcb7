package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/auth"
)

// TestBadInputPlatform is the catalogue of hostile input to the platform
// API: operator login, tenant creation and the tenant lifecycle, and the
// platform audit log.
func TestBadInputPlatform(t *testing.T) {
	t.Parallel()
	p := setupPlatform(t)
	op := p.operatorToken(t)
	userToken := p.token(t, "alpha.test", "/api/token/", "owner", "owner-password")
	if _, err := auth.CreateOperator(context.Background(), p.env.Pool,
		auth.NewOperator{Username: "locked", Email: "locked@platform.test", Password: "locked-password"}); err != nil {
		t.Fatal(err)
	}
	wrong := map[string]string{"username": "locked", "password": "wrong-password"}
	for i := range auth.MaxFailures {
		if code, _, body := p.do(t, "POST", platformHost, "/api/platform/token/", "", wrong); code != 401 {
			t.Fatalf("failed login %d: %d %s", i+1, code, body)
		}
	}
	login := func(name string, body any, status int, msg string) badRequest {
		return badRequest{name: name, method: "POST", path: "/api/platform/token/", body: body, status: status, msg: msg}
	}
	create := func(name string, body any, status int, msg string) badRequest {
		return badRequest{name: name, method: "POST", path: "/api/platform/tenants/", header: bearer(op), body: body, status: status, msg: msg}
	}
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
	as := func(name, method, path string, status int, msg string) badRequest {
		return badRequest{name: name, method: method, path: path, header: bearer(op), status: status, msg: msg}
	}
	const (
		pattern  = "body.slug: expected string to be a slug: a lower-case letter, then a-z, 0-9 and _"
		notFound = "tenant not found"
	)
	cases := []badRequest{
		// Logging in.
		{name: "wrong password", method: "POST", path: "/api/platform/token/", body: map[string]string{"username": "root", "password": "wrong-password"},
			status: 401, msg: "invalid username or password", wantHeader: "WWW-Authenticate"},
		login("unknown operator", map[string]string{"username": "nobody", "password": "operator-password"}, 401, "invalid username or password"),
		login("tenant user", map[string]string{"username": "owner", "password": "owner-password"}, 401, "invalid username or password"),
		login("NUL in username", map[string]string{"username": "root\x00", "password": "operator-password"}, 422,
			"a value holds characters or a size the database cannot store (NUL, invalid UTF-8, out of range)"),
		login("no username", map[string]string{"password": "operator-password"}, 422, "username or email is required"),
		login("1025-byte password", map[string]string{"username": "root", "password": strings.Repeat("p", 1025)}, 422,
			"body.password: expected length <= 1024"),
		{name: "no body", method: "POST", path: "/api/platform/token/", header: []string{"Content-Type", "application/json"},
			status: 400, msg: "request body is required"},
		{name: "throttled", method: "POST", path: "/api/platform/token/", body: map[string]string{"username": "locked", "password": "locked-password"},
			status: 429, msg: "too many failed logins: try again in", wantHeader: "Retry-After"},

		// Creating a tenant: the slug.
		// A reserved slug has a slug's form and is taken: 409, as for a tenant's.
		create("empty slug", tenant("slug", ""), 422, "body.slug: expected length >= 1"),
		create("reserved: public", tenant("slug", "public"), 409, `invalid slug "public": is reserved for the platform's own schemas`),
		create("reserved: main", tenant("slug", "main"), 409, `invalid slug "main": is reserved`),
		create("reserved: information_schema", tenant("slug", "information_schema"), 409, "is reserved for PostgreSQL"),
		create("pg_ prefix", tenant("slug", "pg_acme"), 409, `invalid slug "pg_acme": is reserved for PostgreSQL`),
		create("_tenantry prefix", tenant("slug", "_tenantry_spare_1"), 422, pattern),
		create("upper case", tenant("slug", "Gamma"), 422, pattern),
		create("leading digit", tenant("slug", "1gamma"), 422, pattern),
		create("hyphen", tenant("slug", "gam-ma"), 422, pattern),
		create("SQL", tenant("slug", `gamma"; DROP SCHEMA public CASCADE; --`), 422, pattern),
		create("NUL", tenant("slug", "gamma\x00"), 422, pattern),
		create("57 bytes", tenant("slug", strings.Repeat("g", 57)), 422, "body.slug: expected length <= 56"),
		create("64 bytes", tenant("slug", strings.Repeat("g", 64)), 422, "body.slug: expected length <= 56"),
		create("taken slug", tenant("slug", "alpha"), 409, "tenant already exists"),

		// The domain.
		create("empty domain", tenant("domain", ""), 422, "body.domain: expected length >= 4"),
		create("no dot", tenant("domain", "gamma"), 422, "body.domain: expected string to be an ASCII domain name"),
		create("port", tenant("domain", "gamma.test:8000"), 422, "body.domain: expected string to be an ASCII domain name"),
		create("IPv4", tenant("domain", "10.0.0.1"), 422, "body.domain: expected string to be an ASCII domain name"),
		create("IPv6", tenant("domain", "[::1]"), 422, "body.domain: expected string to be an ASCII domain name"),
		create("non-ASCII", tenant("domain", "gämma.test"), 422, "body.domain: expected string to be an ASCII domain name"),
		create("leading hyphen", tenant("domain", "-gamma.test"), 422, "body.domain: expected string to be an ASCII domain name"),
		create("empty label", tenant("domain", "gamma..test"), 422, "body.domain: expected string to be an ASCII domain name"),
		create("all-digit last label", tenant("domain", "gamma.123"), 422, "body.domain: expected string to be an ASCII domain name"),
		create("slash", tenant("domain", "gamma.test/admin"), 422, "body.domain: expected string to be an ASCII domain name"),
		create("254 characters", tenant("domain", strings.Repeat("g", 249)+".test"), 422, "body.domain: expected length <= 253"),
		create("taken domain", tenant("domain", "alpha.test"), 409, "domain already in use"),
		create("taken domain in another spelling", tenant("domain", "ALPHA.test."), 409, "domain already in use"),

		// The other fields.
		create("bad locale", tenant("locale", "not a locale"), 422, "body.locale: expected string to be a BCP 47 language tag"),
		create("36-byte locale", tenant("locale", strings.Repeat("l", 36)), 422, "body.locale: expected length <= 35"),
		create("unknown time zone", tenant("timezone", "Mars/Olympus"), 422, "body.timezone: expected string to be an IANA time zone"),
		create("time zone path", tenant("timezone", "../../../etc/passwd"), 422, "body.timezone: expected string to be an IANA time zone"),
		create("Local time zone", tenant("timezone", "Local"), 422, "body.timezone: expected string to be an IANA time zone"),
		create("bad currency", tenant("currency", "E1R"), 422, "body.currency: expected string to be a three-letter ISO 4217 code"),
		create("4-letter currency", tenant("currency", "EURO"), 422, "body.currency: expected length <= 3"),
		create("blank name", tenant("name", "  "), 422, "body.name: expected string to be a name that is not blank"),
		create("201-character name", tenant("name", strings.Repeat("n", 201)), 422, "body.name: expected length <= 200"),
		create("NUL in name", tenant("name", "Gam\x00ma"), 422, "body.name"),
		create("NUL in plan", tenant("plan", "pro\x00"), 422, "body.plan"),
		create("65-character plan", tenant("plan", strings.Repeat("p", 65)), 422, "body.plan: expected length <= 64"),
		create("weak admin password", tenant("admin", admin("ana", "ana@gamma.test", "short")), 422, "body.admin.password"),
		create("admin username with NUL", tenant("admin", admin("a\x00", "ana@gamma.test", "long enough")), 422, "body.admin.username"),
		create("unknown field", tenant("owner", "x"), 422, "body.owner: unexpected property"),
		create("wrong type", tenant("slug", 42), 422, "body.slug: expected string"),
		create("malformed JSON", `{"slug": "gamma"`, 400, "unexpected end of JSON input"),

		// The tenant lifecycle.
		as("get unknown", "GET", "/api/platform/tenants/nosuch/", 404, notFound),
		as("suspend unknown", "POST", "/api/platform/tenants/nosuch/suspend/", 404, notFound),
		as("activate unknown", "POST", "/api/platform/tenants/nosuch/activate/", 404, notFound),
		as("delete unknown", "DELETE", "/api/platform/tenants/nosuch/", 404, notFound),
		as("delete by unknown id", "DELETE", "/api/platform/tenants/999999/", 404, notFound),
		as("254-character reference", "DELETE", "/api/platform/tenants/"+strings.Repeat("r", 254)+"/", 422, "path.ref: expected length <= 253"),
		as("NUL in reference", "POST", "/api/platform/tenants/alpha%00/suspend/", 400, "the path or query holds a NUL or invalid UTF-8"),
		as("invalid UTF-8 reference", "DELETE", "/api/platform/tenants/%ff/", 400, "the path or query holds a NUL or invalid UTF-8"),
		as("unknown verb", "POST", "/api/platform/tenants/alpha/archive/", 404, "no such endpoint: POST /api/platform/tenants/alpha/archive"),
		{name: "PUT of the tenant list", method: "PUT", path: "/api/platform/tenants/", header: bearer(op), body: tenant(),
			status: 405, msg: "PUT is not allowed on /api/platform/tenants: use GET, POST", wantHeader: "Allow"},

		// The audit log.
		as("audit of an unknown tenant", "GET", "/api/platform/audit/?tenant=nosuch", 404, notFound),
		as("audit limit 0", "GET", "/api/platform/audit/?limit=0", 422, "query.limit: expected number >= 1"),
		as("audit limit 501", "GET", "/api/platform/audit/?limit=501", 422, "query.limit: expected number <= 500"),
		as("audit negative before_id", "GET", "/api/platform/audit/?before_id=-1", 422, "query.before_id: expected number >= 0"),
		as("audit 254-character tenant", "GET", "/api/platform/audit/?tenant="+strings.Repeat("t", 254), 422, "query.tenant: expected length <= 253"),
		as("audit of a NUL tenant", "GET", "/api/platform/audit/?tenant=%00", 400, "the path or query holds a NUL or invalid UTF-8"),
		as("audit of a NUL action", "GET", "/api/platform/audit/?action=%00", 400, "the path or query holds a NUL or invalid UTF-8"),

		// Tokens and hosts.
		{name: "no token", path: "/api/platform/tenants/", status: 401, msg: notOperatorMsg, wantHeader: "WWW-Authenticate"},
		{name: "tenant user's token", path: "/api/platform/tenants/", header: bearer(userToken), status: 401, msg: notOperatorMsg},
		{name: "Basic scheme", path: "/api/platform/audit/", header: []string{"Authorization", "Basic cm9vdDpvcGVyYXRvci1wYXNzd29yZA=="},
			status: 401, msg: notOperatorMsg},
		{name: "on a tenant's host", host: "alpha.test", path: "/api/platform/tenants/", header: bearer(op), status: 404,
			msg: "no such endpoint: GET /api/platform/tenants/"},
	}
	const stateSQL = `SELECT (SELECT string_agg(slug || ':' || status || ':' || name || ':' || plan, ',' ORDER BY slug) FROM public.tenants)
		|| ' ' || (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname LIKE 'tenant\_%')
		|| ' ' || (SELECT string_agg(domain, ',' ORDER BY domain) FROM public.domains)`
	var before, after string
	if err := p.env.Pool.QueryRow(context.Background(), stateSQL).Scan(&before); err != nil {
		t.Fatal(err)
	}
	checkBad(t, p.srv, platformHost, cases)
	if err := p.env.Pool.QueryRow(context.Background(), stateSQL).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("refused requests changed the tenants:\nbefore %s\nafter  %s", before, after)
	}
}

const notOperatorMsg = "authentication required: a valid platform operator's access token"
