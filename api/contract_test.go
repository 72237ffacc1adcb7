package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tenantry/tenantry/internal/redocly"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/signup"
)

// publishedDoc is the server's OpenAPI document, decoded.
type publishedDoc map[string]any

func (f *signupFixture) openAPI(t *testing.T) (publishedDoc, []byte) {
	t.Helper()
	r := f.call(t, "GET", signupBase, "/api/openapi.json", "", nil)
	var doc publishedDoc
	r.decode(t, &doc)
	return doc, []byte(r.Body)
}

// jsonBody is the JSON body schema of the operation at method and path.
func (d publishedDoc) jsonBody(t *testing.T, method, path string) map[string]any {
	t.Helper()
	op := dig(d, "paths", path, strings.ToLower(method))
	s := dig(op, "requestBody", "content", "application/json", "schema")
	if s == nil {
		t.Fatalf("%s %s has no JSON body in the document", method, path)
	}
	return d.resolve(s)
}

func (d publishedDoc) resolve(s map[string]any) map[string]any {
	if ref, ok := s["$ref"].(string); ok {
		return dig(d, "components", "schemas", strings.TrimPrefix(ref, "#/components/schemas/"))
	}
	return s
}

func dig(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil
		}
		m = next
	}
	return m
}

// conforms reports why v breaks schema s of the document, or "".
func (d publishedDoc) conforms(s map[string]any, v any) string {
	s = d.resolve(s)
	switch v := v.(type) {
	case map[string]any:
		props := dig(s, "properties")
		for _, req := range asList(s["required"]) {
			if _, ok := v[req.(string)]; !ok {
				return "missing " + req.(string)
			}
		}
		for k, pv := range v {
			ps, ok := props[k].(map[string]any)
			if !ok {
				return "undeclared " + k
			}
			if why := d.conforms(ps, pv); why != "" {
				return k + ": " + why
			}
		}
	case string:
		n := float64(utf8.RuneCountInString(v))
		if min, ok := s["minLength"].(float64); ok && n < min {
			return fmt.Sprintf("shorter than %v", min)
		}
		if max, ok := s["maxLength"].(float64); ok && n > max {
			return fmt.Sprintf("longer than %v", max)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(v) {
			return fmt.Sprintf("%q does not match the pattern", v)
		}
		if enum := asList(s["enum"]); enum != nil && !contains(enum, v) {
			return fmt.Sprintf("%q is not in the enum", v)
		}
	}
	return ""
}

func asList(v any) []any { l, _ := v.([]any); return l }

func contains(l []any, v any) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// domainOf returns a domain of exactly n characters under .test, in
// labels of at most 63.
func domainOf(n int, first string) string {
	labels := []string{first}
	left := n - len(first) - len(".test")
	for left > 1 {
		size := min(63, left-1)
		if size == 1 && left-1 > 1 {
			size = left - 1
		}
		labels = append(labels, strings.Repeat("d", size))
		left -= size + 1
	}
	d := strings.Join(labels, ".") + ".test"
	for len(d) < n { // a lone character left: widen the first label
		labels[0] += "x"
		d = strings.Join(labels, ".") + ".test"
	}
	return d
}

// TestSchemaValidBodiesAreAccepted sends boundary bodies of signup,
// user creation and tenant creation, each checked first against the
// published document: every one is accepted. A body the schema allows is
// refused only for the state of things, never for its form.
func TestSchemaValidBodiesAreAccepted(t *testing.T) {
	t.Parallel()
	f := newSignupFixtureWith(t, signup.Limits{PerEmail: -1, PerClient: -1, Global: -1})
	o := f.signUpTenant(t, "owner@boundary.test", "Boundary")
	op := f.operator(t)
	doc, _ := f.openAPI(t)
	long64 := strings.Repeat("l", 64)
	email254 := long64 + "@" + domainOf(254-65, "e")
	zones := provision.TimeZones()
	type body = map[string]any
	cases := []struct {
		name, method, host, path, token string
		want                            int
		bodies                          []body
	}{
		{"signup", "POST", signupBase, "/api/signup", "", http.StatusAccepted, []body{
			{"email": "a@b.co", "password": "12345678", "company": "A"},
			{"email": email254, "password": strings.Repeat("é", 256), "company": strings.Repeat("Ω", 200)},
			{"email": "!#$%&'*+/=?^_{|}~-.x@sym-bols.test", "password": "p4ssw0rd!", "company": "株式会社"},
			{"email": " Spaced@Example.TEST ", "password": "password123", "company": "  Café  Zürich  "},
			{"email": "rocket@space.test", "password": "password123", "company": "🚀"},
			{"email": "nbsp@space.test", "password": "password123", "company": "\u00a0x\u3000"},
			{"email": "digits@space.test", "password": "password123", "company": "0"},
		}},
		{"user", "POST", o.domain, "/api/users", o.access, http.StatusCreated, []body{
			{"username": "u", "email": "u@b.co", "password": "12345678"},
			{"username": strings.Repeat("_.@+-9Z", 21) + "abc", "email": email254, "password": strings.Repeat("ü", 256), "role": "admin"},
			{"username": " spaced ", "email": "v@b.co", "password": "12345678", "role": "viewer"},
			{"username": "owner2", "email": "w@b.co", "password": "12345678", "role": "owner"},
			{"username": "billing", "email": "x@b.co", "password": "12345678", "role": "billing"},
			{"username": "member", "email": "y@b.co", "password": "12345678", "role": "member"},
		}},
		{"tenant", "POST", signupBase, "/api/platform/tenants", op, http.StatusCreated, []body{
			{"slug": "a", "name": "A", "domain": "a.bc"},
			{"slug": "z" + strings.Repeat("9_", 27) + "z", "name": strings.Repeat("名", 200), "domain": domainOf(253, "big"),
				"locale": "zh-Hant-TW", "timezone": zones[0], "currency": "eur", "plan": long64,
				"admin": body{"username": strings.Repeat("a", 150), "email": email254, "password": strings.Repeat("p", 256)}},
			{"slug": "xx", "name": " \u3000x ", "domain": "Trailing.Dot.test.", "locale": "xx", "timezone": zones[len(zones)-1],
				"currency": "XXX", "plan": ""},
			{"slug": "es", "name": "Ñandú", "domain": "es.test", "locale": "es-419", "timezone": "", "currency": "", "plan": "plan ✓",
				"admin": body{"username": "@", "email": "a@b.co", "password": "12345678"}},
			{"slug": "mains", "name": "main", "domain": "x1.test", "locale": "", "timezone": "Etc/GMT+5"},
		}},
	}
	for _, c := range cases {
		schema := doc.jsonBody(t, c.method, c.path)
		for i, b := range c.bodies {
			if why := doc.conforms(schema, b); why != "" {
				t.Errorf("%s body %d is not valid under the document (%s): the test is wrong", c.name, i, why)
				continue
			}
			if r := f.call(t, c.method, c.host, c.path, c.token, b); r.Status != c.want {
				t.Errorf("%s body %d: %d %.300s, want %d", c.name, i, r.Status, r.Body, c.want)
			}
		}
	}
}

// TestOpenAPIDocumentLints runs Redocly's CLI (recommended rules) on the
// server's document: no errors. It is skipped only when the CLI cannot be
// installed for want of npm and TENANTRY_REQUIRE_REDOCLY is not 1 (make
// test sets it).
func TestOpenAPIDocumentLints(t *testing.T) {
	t.Parallel()
	f := newSignupFixture(t)
	_, raw := f.openAPI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	report, err := redocly.Lint(ctx, raw)
	if errors.Is(err, redocly.ErrNotInstalled) && os.Getenv("TENANTRY_REQUIRE_REDOCLY") != "1" {
		t.Skipf("%v (set TENANTRY_REQUIRE_REDOCLY=1 to fail instead)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range report.Problems {
		where := ""
		if len(p.Location) > 0 {
			where = p.Location[0].Pointer
		}
		line := fmt.Sprintf("%s %s at %s: %s", p.Severity, p.RuleID, where, p.Message)
		if p.Severity == "error" {
			t.Error(line)
		} else {
			t.Log(line)
		}
	}
	if report.Totals.Errors != 0 {
		t.Errorf("%d errors", report.Totals.Errors)
	}
	if b, err := json.Marshal(report.Totals); err == nil {
		t.Logf("totals: %s", b)
	}
}
