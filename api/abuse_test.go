package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/signup"
)

// owned is a tenant made by signup on the fixture, with its owner's tokens.
type owned struct {
	domain, access, refresh string
	ownerID                 int64
}

// signUpTenant signs up email for company and follows the link.
func (f *signupFixture) signUpTenant(t *testing.T, email, company string) owned {
	t.Helper()
	v := f.verify(t, f.signUp(t, email, company), http.StatusOK)
	if v.Tokens == nil {
		t.Fatalf("the first verification gave no tokens: %+v", v)
	}
	o := owned{domain: v.Tenant.Domain, access: v.Tokens.Access, refresh: v.Tokens.Refresh}
	var p struct{ ID int64 }
	f.call(t, "GET", o.domain, "/api/profile/", o.access, nil).decode(t, &p)
	o.ownerID = p.ID
	return o
}

// operator creates a platform operator and returns its access token.
func (f *signupFixture) operator(t *testing.T) string {
	t.Helper()
	if _, err := auth.CreateOperator(context.Background(), f.env.Pool,
		auth.NewOperator{Username: "root", Email: "root@platform.test", Password: "operator-password"}); err != nil {
		t.Fatal(err)
	}
	r := f.call(t, "POST", signupBase, "/api/platform/token/", "", map[string]string{"username": "root", "password": "operator-password"})
	var tok struct{ Access string }
	r.decode(t, &tok)
	if tok.Access == "" {
		t.Fatalf("operator login: %d %s", r.Status, r.Body)
	}
	return tok.Access
}

// TestSignupLimitsAnswer429: past each limit, a signup gets 429 with
// Retry-After, a problem document saying which limit, and no email.
func TestSignupLimitsAnswer429(t *testing.T) {
	t.Parallel()
	const off = -1
	cases := []struct {
		name   string
		limits signup.Limits
		email  func(i int) string
		says   string
	}{
		{"per address", signup.Limits{PerEmail: 2, PerClient: off, Global: off},
			func(int) string { return "ana@acme.test" }, "too many signups for this email address"},
		{"per client", signup.Limits{PerEmail: off, PerClient: 3, Global: off},
			func(i int) string { return fmt.Sprintf("victim%d@acme.test", i) }, "too many signups from your address"},
		{"platform-wide", signup.Limits{PerEmail: off, PerClient: off, Global: 3},
			func(i int) string { return fmt.Sprintf("user%d@acme.test", i) }, "too many signups on this platform right now"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newSignupFixtureWith(t, c.limits)
			allowed := max(c.limits.PerEmail, c.limits.PerClient, c.limits.Global)
			for i := range allowed {
				if r := f.call(t, "POST", signupBase, "/api/signup/", "", signupBody(c.email(i), "a long secret", "Acme")); r.Status != http.StatusAccepted {
					t.Fatalf("signup %d: %d %s", i+1, r.Status, r.Body)
				}
			}
			r := f.call(t, "POST", signupBase, "/api/signup/", "", signupBody(c.email(allowed), "a long secret", "Acme"))
			secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if r.Status != http.StatusTooManyRequests || err != nil || secs < 1 || secs > 3600 ||
				!strings.Contains(r.Body, c.says) || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("signup past the limit: %d Retry-After %q %s; want 429 saying %q", r.Status,
					r.Header.Get("Retry-After"), r.Body, c.says)
			}
			if n := count(t, f.env.Pool, "SELECT count(*) FROM public.signup_attempts"); n != allowed {
				t.Errorf("%d signups counted, want %d: the refused one must not be", n, allowed)
			}
		})
	}
}

// TestVerificationMailSubjectIsThePlatformsOwn: the company name, typed by
// anyone, never reaches the subject of the mail sent to any address.
func TestVerificationMailSubjectIsThePlatformsOwn(t *testing.T) {
	t.Parallel()
	f := newSignupFixture(t)
	const company = "URGENT Your account is locked call 555 0100"
	f.signUp(t, "ana@acme.test", company)
	msg := f.smtp.WaitFor(t, "ana@acme.test", 20*time.Second, "/signup/verify?token=")
	if s := msg.Subject(t); s != "Confirm your email address" || strings.Contains(s, "URGENT") {
		t.Errorf("subject %q, want the fixed one", s)
	}
}

// TestRepeatedVerificationGivesNoTokens: following the link again within
// the repeat window says where to log in and never mints tokens, even
// after the owner changed the password.
func TestRepeatedVerificationGivesNoTokens(t *testing.T) {
	t.Parallel()
	f := newSignupFixture(t)
	token := f.signUp(t, "ana@acme.test", "Acme")
	first := f.verify(t, token, http.StatusOK)
	if first.Tokens == nil {
		t.Fatalf("the first verification gave no tokens: %+v", first)
	}
	again := f.call(t, "POST", signupBase, "/api/signup/verify/", "", map[string]string{"token": token})
	if again.Status != http.StatusOK || strings.Contains(again.Body, `"tokens"`) || !strings.Contains(again.Body, `"repeated":true`) ||
		!strings.Contains(again.Body, `"url":"`+first.URL+`"`) {
		t.Errorf("a repeat click: %d %s; want 200 with the url and no tokens", again.Status, again.Body)
	}
	var me struct{ ID int64 }
	f.call(t, "GET", first.Tenant.Domain, "/api/profile/", first.Tokens.Access, nil).decode(t, &me)
	if r := f.call(t, "PATCH", first.Tenant.Domain, fmt.Sprintf("/api/users/%d/", me.ID), first.Tokens.Access,
		map[string]string{"password": "a new long secret"}); r.Status != http.StatusOK {
		t.Fatalf("change the password: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "POST", signupBase, "/api/signup/verify/", "", map[string]string{"token": token}); r.Status != http.StatusOK ||
		strings.Contains(r.Body, `"tokens"`) || strings.Contains(r.Body, `"access"`) {
		t.Errorf("a repeat click after a password change: %d %s; want no tokens", r.Status, r.Body)
	}
}

// TestTokenAnswersAreNeverStored: every answer that carries a token says
// Cache-Control: no-store.
func TestTokenAnswersAreNeverStored(t *testing.T) {
	t.Parallel()
	f := newSignupFixture(t)
	token := f.signUp(t, "ana@acme.test", "Acme")
	verify := f.call(t, "POST", signupBase, "/api/signup/verify/", "", map[string]string{"token": token})
	var v verified
	verify.decode(t, &v)
	login := f.call(t, "POST", v.Tenant.Domain, "/api/token/", "", map[string]string{"username": "ana@acme.test", "password": "a long secret"})
	var pair struct{ Refresh string }
	login.decode(t, &pair)
	refresh := f.call(t, "POST", v.Tenant.Domain, "/api/token/refresh/", "", map[string]string{"refresh": pair.Refresh})
	f.operator(t)
	opLogin := f.call(t, "POST", signupBase, "/api/platform/token/", "", map[string]string{"username": "root", "password": "operator-password"})
	for _, c := range []struct {
		name string
		r    apiResponse
	}{{"verify", verify}, {"login", login}, {"refresh", refresh}, {"operator login", opLogin}} {
		if c.r.Status != http.StatusOK || !strings.Contains(c.r.Body, `"access"`) {
			t.Errorf("%s: %d %s", c.name, c.r.Status, c.r.Body)
		}
		if got := c.r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", c.name, got)
		}
	}
}

// TestEveryAnswerSaysNosniff: JSON answers, problems and pages alike carry
// X-Content-Type-Options: nosniff.
func TestEveryAnswerSaysNosniff(t *testing.T) {
	t.Parallel()
	f := newSignupFixture(t)
	for _, c := range []struct{ name, method, host, path string }{
		{"health", "GET", signupBase, "/healthz"},
		{"OpenAPI document", "GET", signupBase, "/api/openapi.json"},
		{"unknown host", "GET", "nobody.example.test", "/api/items/"},
		{"public 404", "GET", signupBase, "/nope/"},
		{"platform without a token", "GET", signupBase, "/api/platform/tenants/"},
		{"bad signup", "POST", signupBase, "/api/signup/"},
		{"method not allowed", "GET", signupBase, "/api/signup/"},
		{"signup page", "GET", signupBase, "/"},
	} {
		var body any
		if c.method == "POST" {
			body = `{}`
		}
		r := f.call(t, c.method, c.host, c.path, "", body)
		if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: %d, X-Content-Type-Options %q", c.name, r.Status, got)
		}
	}
}

// TestRefusedTokensAreChallengedAsInvalid: a request without a token gets
// the bare Bearer challenge; one with a bad, foreign or over-long token gets
// error="invalid_token" (RFC 6750), and an over-long header is never
// quoted back.
func TestRefusedTokensAreChallengedAsInvalid(t *testing.T) {
	t.Parallel()
	f := newSignupFixture(t)
	o := f.signUpTenant(t, "ana@acme.test", "Acme")
	op := f.operator(t)
	long := "Bearer " + strings.Repeat("Q", 8<<10)
	cases := []struct {
		name, host, path, auth string
		invalid                bool
	}{
		{"no token, tenant", o.domain, "/api/items/", "", false},
		{"no token, platform", signupBase, "/api/platform/tenants/", "", false},
		{"garbage token, tenant", o.domain, "/api/items/", "Bearer not.a.token", true},
		{"operator's token on a tenant", o.domain, "/api/users/", "Bearer " + op, true},
		{"tenant's token on the platform", signupBase, "/api/platform/tenants/", "Bearer " + o.access, true},
		{"over-long header, tenant", o.domain, "/api/audit/", long, true},
		{"over-long header, platform", signupBase, "/api/platform/audit/", long, true},
		{"over-long header, profile", o.domain, "/api/profile/", long, true},
		{"another scheme", o.domain, "/api/items/", "Basic YTpi", false},
	}
	for _, c := range cases {
		r := f.call(t, "GET", c.host, c.path, "", nil, "Authorization", c.auth)
		challenge := r.Header.Get("WWW-Authenticate")
		if r.Status != http.StatusUnauthorized || !strings.HasPrefix(challenge, "Bearer ") ||
			strings.Contains(challenge, `error="invalid_token"`) != c.invalid {
			t.Errorf("%s: %d WWW-Authenticate %q; want 401 with invalid_token %v", c.name, r.Status, challenge, c.invalid)
		}
		if strings.Contains(r.Body, "QQQQ") || strings.Contains(challenge, "QQQQ") {
			t.Errorf("%s: the Authorization header was quoted back: %.200s", c.name, r.Body)
		}
	}
	// Operations that read no token ignore it, and quote nothing either.
	r := f.call(t, "POST", o.domain, "/api/token/", "", map[string]string{"username": "ana@acme.test", "password": "wrong password"},
		"Authorization", long)
	if r.Status != http.StatusUnauthorized || strings.Contains(r.Body, "QQQQ") {
		t.Errorf("login with an over-long Authorization: %d %.200s", r.Status, r.Body)
	}
}

// TestAuditPagingTakesBigintIDs: before_id is a bigint up to the declared
// maximum; beyond it, 422; never 500 (it was bound as int4).
func TestAuditPagingTakesBigintIDs(t *testing.T) {
	t.Parallel()
	f := newSignupFixture(t)
	o := f.signUpTenant(t, "ana@acme.test", "Acme")
	op := f.operator(t)
	for _, c := range []struct {
		before string
		want   int
	}{
		{"2147483647", 200}, {"2147483648", 200}, {"4294967296", 200}, {"9007199254740991", 200},
		{"9007199254740992", 422}, {"9223372036854775807", 422}, {"9223372036854775808", 422}, {"-1", 422},
	} {
		for _, where := range []struct{ host, path, token string }{
			{o.domain, "/api/audit/", o.access}, {signupBase, "/api/platform/audit/", op},
		} {
			r := f.call(t, "GET", where.host, where.path+"?before_id="+c.before, where.token, nil)
			if r.Status != c.want {
				t.Errorf("%s?before_id=%s: %d %.200s, want %d", where.path, c.before, r.Status, r.Body, c.want)
			}
		}
	}
	r := f.call(t, "GET", signupBase, "/api/platform/audit/?tenant=4294967296", op, nil)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"results":[]`) {
		t.Errorf("platform audit of tenant id 2^32: %d %.200s", r.Status, r.Body)
	}
}
