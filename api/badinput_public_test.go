package api_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/api"
)

// badRequest is one entry of a bad-input catalogue: a hostile request and
// the answer it must get.
type badRequest struct {
	name   string
	method string
	host   string   // default: the surface's own host; noHost for none
	path   string   // with its query
	header []string // name, value pairs
	body   any      // nil: none; a string as is; anything else as JSON (with a JSON content type)
	// inProcess serves the request straight to the handler: Go's client
	// will not send this Host, and Go's server would refuse it itself (400,
	// text/plain) before any handler, but the handler must cope all the same.
	inProcess bool
	// byServer marks an answer net/http's server gives before any handler
	// runs: it is not a problem document, and the product cannot make it one.
	byServer   bool
	status     int
	msg        string // in the problem's detail or in one of its errors, as "location: message"
	wantHeader string // a header the answer must carry, such as Retry-After
}

// noHost is the badRequest.host of a request without a Host.
const noHost = "(none)"

// badAnswer is what a catalogue entry got.
type badAnswer struct {
	status int
	header http.Header
	body   string
}

// sendBad sends c to srv's handler, over the wire unless c.inProcess.
func sendBad(t *testing.T, srv *httptest.Server, defaultHost string, c badRequest) badAnswer {
	t.Helper()
	var rd io.Reader
	switch b := c.body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal %v: %v", b, err)
		}
		rd = bytes.NewReader(j)
	}
	host := cmp.Or(c.host, defaultHost)
	if host == noHost {
		host = ""
	}
	method := c.method
	if method == "" {
		method = http.MethodGet
	}
	var req *http.Request
	if c.inProcess {
		req = httptest.NewRequest(method, c.path, rd)
	} else {
		var err error
		if req, err = http.NewRequest(method, srv.URL+c.path, rd); err != nil {
			t.Fatalf("%s %s: %v", method, c.path, err)
		}
	}
	req.Host = host
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(c.header); i += 2 {
		req.Header.Set(c.header[i], c.header[i+1])
	}
	if c.inProcess {
		rec := httptest.NewRecorder()
		srv.Config.Handler.ServeHTTP(rec, req)
		return badAnswer{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", method, c.path, host, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s on %s: read body: %v", method, c.path, host, err)
	}
	return badAnswer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// problemText is a problem document's detail followed by its errors, one
// "location: message" each, or "" if body is not a problem document.
func problemText(body string) (string, bool) {
	var p struct {
		Title  string
		Status int
		Detail string
		Errors []struct{ Location, Message string }
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil || p.Status == 0 || p.Title == "" {
		return "", false
	}
	parts := []string{p.Detail}
	for _, e := range p.Errors {
		parts = append(parts, e.Location+": "+e.Message)
	}
	return strings.Join(parts, "\n"), true
}

// checkBad runs a catalogue: every entry must get its status and message,
// as a problem document (unless the server answers before any handler),
// and no entry may get a 5xx.
func checkBad(t *testing.T, srv *httptest.Server, defaultHost string, cases []badRequest) {
	t.Helper()
	for _, c := range cases {
		a := sendBad(t, srv, defaultHost, c)
		got := a.body
		if len(got) > 300 {
			got = got[:300] + "..."
		}
		if a.status >= 500 && a.status != c.status {
			t.Errorf("%s: %d %s (a 5xx for bad input)", c.name, a.status, got)
			continue
		}
		text, isProblem := problemText(a.body)
		ct := a.header.Get("Content-Type")
		switch {
		case a.status != c.status:
			t.Errorf("%s: got %d %s %s; want %d and %q", c.name, a.status, ct, got, c.status, c.msg)
		case c.byServer:
			if !strings.Contains(a.body, c.msg) {
				t.Errorf("%s: got %d %s; want a body containing %q", c.name, a.status, got, c.msg)
			}
		case a.status < 300:
			if !strings.Contains(a.body, c.msg) {
				t.Errorf("%s: got %d %s; want a body containing %q", c.name, a.status, got, c.msg)
			}
		case ct != "application/problem+json" || !isProblem:
			t.Errorf("%s: got %d %q %s; want an application/problem+json document", c.name, a.status, ct, got)
		case !strings.Contains(text, c.msg):
			t.Errorf("%s: %d, message %q; want it to contain %q", c.name, a.status, text, c.msg)
		}
		if c.wantHeader != "" && a.header.Get(c.wantHeader) == "" {
			t.Errorf("%s: no %s header", c.name, c.wantHeader)
		}
	}
}

// count returns the single number sql selects.
func count(t *testing.T, pool *pgxpool.Pool, sql string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// signupBody is a signup request's body.
func signupBody(email, password, company string) map[string]string {
	return map[string]string{"email": email, "password": password, "company": company}
}

// TestBadInputPublic is the catalogue of hostile input on the base domain:
// the public site, signup and its verification, and the platform API
// without a token.
func TestBadInputPublic(t *testing.T) {
	t.Parallel()
	f := newSignupFixture(t)
	pool := f.env.Pool
	const (
		signupPath = "/api/signup/"
		verifyPath = "/api/signup/verify/"
		goodPass   = "a long secret"
		tenantsSQL = "SELECT count(*) FROM public.tenants"
		signupsSQL = "SELECT count(*) FROM public.signups"
	)
	tenantsBefore, signupsBefore := count(t, pool, tenantsSQL), count(t, pool, signupsSQL)
	signup := func(name string, body any, status int, msg string) badRequest {
		return badRequest{name: name, method: "POST", path: signupPath, body: body, status: status, msg: msg}
	}
	verify := func(name string, body any, status int, msg string) badRequest {
		return badRequest{name: name, method: "POST", path: verifyPath, body: body, status: status, msg: msg}
	}
	host := func(name, host string, inProcess bool, status int, msg string) badRequest {
		return badRequest{name: name, path: "/", host: host, inProcess: inProcess, status: status, msg: msg}
	}
	huge := `{"email":"ana@acme.com","password":"a long secret","company":"` + strings.Repeat("a", api.MaxBodyBytes) + `"}`
	cases := []badRequest{
		// The body.
		signup("malformed JSON", `{"email": "ana@acme.com",`, 400, "unexpected end of JSON input"),
		signup("not JSON at all", `email=ana@acme.com&password=x`, 400, "invalid character"),
		signup("JSON array", `[1, 2]`, 422, "expected object"),
		signup("JSON null", `null`, 422, "expected object"),
		signup("wrong types", map[string]any{"email": 1, "password": true, "company": []int{}}, 422, "body.email: expected string"),
		signup("unknown field", map[string]any{"email": "ana@acme.com", "password": goodPass, "company": "Acme", "role": "owner"}, 422, "unexpected property"),
		signup("missing field", map[string]string{"email": "ana@acme.com", "password": goodPass}, 422, "company"),
		{name: "empty body", method: "POST", path: signupPath, header: []string{"Content-Type", "application/json"}, status: 400, msg: "body"},
		signup("body over 1 MiB", huge, 413, "request body is too large"),
		{name: "wrong content type", method: "POST", path: signupPath, body: signupBody("ana@acme.com", goodPass, "Acme"),
			header: []string{"Content-Type", "text/plain"}, status: 415, msg: "text/plain"},
		{name: "XML body", method: "POST", path: signupPath, body: `<signup/>`, header: []string{"Content-Type", "application/xml"}, status: 415, msg: "xml"},
		{name: "100 KiB header", method: "POST", path: signupPath, body: `[]`, header: []string{"X-Padding", strings.Repeat("p", 100<<10)},
			status: 422, msg: "expected object"},
		{name: "2 MiB header", path: "/", header: []string{"X-Padding", strings.Repeat("p", 2<<20)}, byServer: true,
			status: 431, msg: "Request Header Fields Too Large"},
		{name: "8 KiB Authorization", path: "/api/platform/tenants/", header: []string{"Authorization", "Bearer " + strings.Repeat("a", 8<<10)},
			status: 401, msg: "platform operator's access token", wantHeader: "WWW-Authenticate"},

		// The Host header.
		host("IPv4 literal", "127.0.0.1", false, 404, "no tenant serves this host"),
		host("IPv6 literal", "[::1]:8000", false, 404, "no tenant serves this host"),
		host("userinfo", "ana@example.test", true, 400, "may contain only letters a-z, digits 0-9, '-' and '.'"),
		host("path characters", "example.test/api/platform", true, 400, "may contain only letters a-z, digits 0-9, '-' and '.'"),
		host("backslash", `example.test\evil.test`, true, 400, "may contain only letters"),
		host("300 characters", strings.Repeat("a", 290)+".test", false, 400, "is longer than 253 bytes"),
		host("label of 64", strings.Repeat("a", 64)+".test", false, 400, "has a label longer than 63 bytes"),
		host("non-ASCII", "exämple.test", true, 400, "must be ASCII: use the punycode (xn--) form"),
		host("punycode of no tenant", "xn--exmple-cua.test", false, 404, "no tenant serves this host"),
		host("trailing dot", "example.test.", false, 200, "<form"),
		host("two trailing dots", "example.test..", false, 400, "has an empty label"),
		host("leading dot", ".example.test", false, 400, "has an empty label"),
		host("port 0", "example.test:0", false, 400, "has a port that is not a number from 1 to 65535"),
		host("port 99999", "example.test:99999", false, 400, "has a port that is not a number from 1 to 65535"),
		host("port not a number", "example.test:http", false, 400, "has a port that is not a number"),
		host("none", noHost, true, 400, "invalid host: must not be empty"),
		host("unclosed bracket", "[::1", true, 400, "has a '[' without a matching ']'"),
		host("NUL", "example.test\x00", true, 400, "may contain only letters"),

		// Signup's fields.
		signup("invalid email", signupBody("not-an-email", goodPass, "Acme"), 422, "body.email: expected string to be an email address such as ana@example.com"),
		signup("email with a display name", signupBody("Ana <ana@acme.com>", goodPass, "Acme"), 422, "body.email: expected string to be an email address"),
		signup("email without a dot", signupBody("ana@localhost", goodPass, "Acme"), 422, "body.email: expected string to be an email address"),
		signup("email with a header", signupBody("ana@acme.com\r\nBcc: eve@evil.test", goodPass, "Acme"), 422, "body.email: expected string to be an email address"),
		signup("overlong email", signupBody(strings.Repeat("a", 250)+"@acme.com", goodPass, "Acme"), 422, "body.email: expected length <= 254"),
		signup("empty password", signupBody("ana@acme.com", "", "Acme"), 422, "body.password: expected length >= 8"),
		signup("short password", signupBody("ana@acme.com", "short", "Acme"), 422, "body.password: expected length >= 8"),
		signup("password over 256", signupBody("ana@acme.com", strings.Repeat("p", 257), "Acme"), 422, "body.password: expected length <= 256"),
		signup("password over 1024 bytes", signupBody("ana@acme.com", strings.Repeat("p", 1025), "Acme"), 422, "body.password: expected length <= 256"),
		signup("password is the email", signupBody("ana.lopez@acme.com", "ANA.LOPEZ@acme.com", "Acme"), 422, "must not be your email address, its name part or the company name"),
		signup("password is the name part", signupBody("ana.lopez@acme.com", "ana.lopez", "Acme"), 422, "must not be your email address"),
		signup("password is the company", signupBody("ana@acme.com", "acme corporation", "Acme Corporation"), 422, "must not be your email address"),
		signup("punctuation company", signupBody("ana@acme.com", goodPass, "*** !!! ***"), 422, "body.company: expected string to be a name with a letter or digit"),
		signup("blank company", signupBody("ana@acme.com", goodPass, "   "), 422, "body.company: expected string to be a name with a letter or digit"),
		signup("300-character company", signupBody("ana@acme.com", goodPass, strings.Repeat("c", 300)), 422, "body.company: expected length <= 200"),
		signup("1001-character company", signupBody("ana@acme.com", goodPass, strings.Repeat("c", 1001)), 422, "body.company: expected length <= 200"),
		signup("NUL in company", signupBody("ana@acme.com", goodPass, "Acme\x00Corp"), 422, "no control characters"),
		signup("escape in company", signupBody("ana@acme.com", goodPass, "Acme\x1b[31mCorp"), 422, "no control characters"),
		signup("invalid UTF-8 company", "{\"email\":\"ana@acme.com\",\"password\":\"a long secret\",\"company\":\"\xff\xfe\"}", 422, "body.company: expected string to be a name with a letter or digit"),
		signup("SQL company is only a name", signupBody("bobby@tables.test", goodPass, "Robert'); DROP TABLE public.tenants;--"), 202, "We sent a link"),

		// Verification tokens.
		verify("empty token", map[string]string{"token": ""}, 422, "body.token: expected length >= 1"),
		verify("no token", map[string]string{}, 422, "token"),
		verify("forged token", map[string]string{"token": strings.Repeat("A", 43)}, 400, "this verification link is not valid"),
		verify("overlong token", map[string]string{"token": strings.Repeat("A", 201)}, 422, "body.token: expected length <= 200"),
		verify("44-character token", map[string]string{"token": strings.Repeat("A", 44)}, 400, "this verification link is not valid"),
		verify("garbage token", map[string]string{"token": strings.Repeat("!", 43)}, 400, "this verification link is not valid"),
		verify("SQL token", map[string]string{"token": "' OR 1=1 --" + strings.Repeat("a", 32)}, 400, "this verification link is not valid"),
		verify("NUL token", map[string]string{"token": "\x00" + strings.Repeat("A", 42)}, 400, "this verification link is not valid"),
		verify("token of wrong type", map[string]any{"token": 43}, 422, "body.token: expected string"),

		// Paths and methods.
		{name: "unknown path", path: "/wp-admin/", status: 404, msg: "no such endpoint on the public site: GET /wp-admin/"},
		{name: "unknown API path", path: "/api/nope/", status: 404, msg: "no such endpoint on the public site"},
		{name: "tenant API on the base domain", path: "/api/items/", status: 404, msg: "no such endpoint on the public site: GET /api/items/"},
		{name: "POST to the signup form", method: "POST", path: "/", status: 405, msg: "POST is not allowed on /: it is a page (GET)", wantHeader: "Allow"},
		{name: "GET of signup", path: signupPath, status: 405, msg: "GET is not allowed on /api/signup: use POST", wantHeader: "Allow"},
		{name: "DELETE of verify", method: "DELETE", path: verifyPath, status: 405, msg: "DELETE is not allowed on /api/signup/verify: use POST", wantHeader: "Allow"},
		{name: "NUL in the path", path: "/api/signup%00/", status: 400, msg: "the path or query holds a NUL or invalid UTF-8"},
		{name: "invalid UTF-8 in the query", path: "/?next=%ff", status: 400, msg: "the path or query holds a NUL or invalid UTF-8"},
		{name: "unknown signup path", method: "POST", path: "/api/signup/nope/", body: `{}`, status: 404, msg: "no such endpoint"},
		// %2e%2e is a dot-segment (RFC 3986 6.2.2.2): it resolves to /api/platform/tenants/, which still wants an
		// operator's token.
		{name: "encoded dot-dot", path: "/api/signup/%2e%2e/platform/tenants/", status: 401, msg: "platform operator's access token"},
		{name: "10 KiB path", path: "/" + strings.Repeat("x", 10<<10), status: 404, msg: "no such endpoint on the public site"},
		{name: "platform without a token", path: "/api/platform/tenants/", status: 401, msg: "authentication required: a valid platform operator's access token", wantHeader: "WWW-Authenticate"},
		{name: "platform create without a token", method: "POST", path: "/api/platform/tenants/",
			body: map[string]string{"slug": "evil", "name": "Evil", "domain": "evil.test"}, status: 401, msg: "platform operator's access token"},
		{name: "platform root", path: "/api/platform/", status: 404, msg: "no such endpoint: GET /api/platform"},
	}
	checkBad(t, f.srv, signupBase, cases)
	if n := count(t, pool, tenantsSQL); n != tenantsBefore {
		t.Errorf("tenants: %d before, %d after", tenantsBefore, n)
	}
	if n := count(t, pool, signupsSQL); n != signupsBefore+1 {
		t.Errorf("signups: %d before, %d after; want only the SQL-named company's", signupsBefore, n)
	}
	var company string
	if err := pool.QueryRow(context.Background(), "SELECT company FROM public.signups WHERE email = 'bobby@tables.test'").Scan(&company); err != nil ||
		company != "Robert'); DROP TABLE public.tenants;--" {
		t.Errorf("the SQL-named company was stored as %q (%v)", company, err)
	}
}
