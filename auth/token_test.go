package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
)

// secret is the test server's secret; tenants a and b are two of its
// tenants, and member a user of a.
var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	tenA   = &tenantry.Tenant{ID: 1, Slug: "alpha", SchemaName: "tenant_alpha"}
	tenB   = &tenantry.Tenant{ID: 2, Slug: "beta", SchemaName: "tenant_beta"}
	member = &auth.User{ID: 7, Username: "ana", Role: auth.RoleMember, IsActive: true}
)

func newSigner(t *testing.T) *auth.Signer {
	t.Helper()
	s, err := auth.NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func issue(t *testing.T, s *auth.Signer, ten *tenantry.Tenant, u *auth.User) string {
	t.Helper()
	tok, _, err := s.IssueForTenant(ten, u)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokenVerifiesOnItsTenant(t *testing.T) {
	t.Parallel()
	s := newSigner(t)
	before := time.Now()
	tok, exp, err := s.IssueForTenant(tenA, member)
	if err != nil {
		t.Fatal(err)
	}
	if d := exp.Sub(before); d < auth.AccessTTL-time.Second || d > auth.AccessTTL+time.Second {
		t.Errorf("token expires in %s, want %s", d, auth.AccessTTL)
	}
	c, err := s.VerifyForTenant(tok, tenA)
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.UserID()
	if err != nil || id != member.ID || c.Role != member.Role || c.Username != member.Username || c.TenantID != tenA.ID {
		t.Errorf("claims %+v (user id %d, %v) do not describe %+v on tenant %d", c, id, err, member, tenA.ID)
	}
	if len(c.Audience) != 1 || c.Audience[0] != auth.TenantAudience(tenA.ID) {
		t.Errorf("audience %v, want [%s]", c.Audience, auth.TenantAudience(tenA.ID))
	}
}

func TestTokenFromOtherTenantIsRefused(t *testing.T) {
	t.Parallel()
	s := newSigner(t)
	tok := issue(t, s, tenA, member)
	if _, err := s.VerifyForTenant(tok, tenB); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("a's token on b: got %v, want ErrInvalidToken", err)
	}
	sameID := &tenantry.Tenant{ID: tenA.ID, Slug: "alpha-renamed"}
	if _, err := s.VerifyForTenant(tok, sameID); err != nil {
		t.Errorf("the tenant is known by its id, not its slug: %v", err)
	}
}

// claimsFor are valid claims for member on tenant ten, as IssueForTenant
// writes them; the forging cases change one thing each.
func claimsFor(ten *tenantry.Tenant) auth.Claims {
	now := time.Now()
	return auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    "tenantry",
			Subject:   "7",
			Audience:  jwt.ClaimStrings{auth.TenantAudience(ten.ID)},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(auth.AccessTTL)),
			ID:        "forged",
		},
		TenantID: ten.ID,
		Role:     auth.RoleMember,
		Username: "ana",
	}
}

func sign(t *testing.T, method jwt.SigningMethod, key any, c auth.Claims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestForgedTokensAreRefused signs tokens outside the Signer, each differing
// from a valid token of tenant a in one respect, and presents them on a.
func TestForgedTokensAreRefused(t *testing.T) {
	t.Parallel()
	s := newSigner(t)
	keyA := auth.SigningKey(s, auth.TenantAudience(tenA.ID))
	keyB := auth.SigningKey(s, auth.TenantAudience(tenB.ID))
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(c *auth.Claims)) auth.Claims {
		c := claimsFor(tenA)
		f(&c)
		return c
	}
	hour := time.Hour
	cases := []struct {
		name  string
		token string
	}{
		{"b's claims signed with a's key", sign(t, jwt.SigningMethodHS256, keyA, claimsFor(tenB))},
		{"b's claims signed with the server secret", sign(t, jwt.SigningMethodHS256, secret, claimsFor(tenB))},
		{"a's claims signed with the server secret", sign(t, jwt.SigningMethodHS256, secret, claimsFor(tenA))},
		{"a's claims signed with b's key", sign(t, jwt.SigningMethodHS256, keyB, claimsFor(tenA))},
		{"a's audience with b's tenant id", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.TenantID = tenB.ID }))},
		{"a's audience without a tenant id", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.TenantID = 0 }))},
		{"platform audience", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.Audience = jwt.ClaimStrings{auth.PlatformAudience} }))},
		{"no audience", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.Audience = nil }))},
		{"no expiry", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.ExpiresAt = nil }))},
		{"expired", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Minute)) }))},
		{"issued in the future", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.IssuedAt = jwt.NewNumericDate(time.Now().Add(hour)) }))},
		{"not valid yet", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.NotBefore = jwt.NewNumericDate(time.Now().Add(hour)) }))},
		{"other issuer", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.Issuer = "evil" }))},
		{"no issuer", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.Issuer = "" }))},
		{"no subject", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.Subject = "" }))},
		{"subject not a user id", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.Subject = "admin" }))},
		{"subject zero", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.Subject = "0" }))},
		{"subject negative", sign(t, jwt.SigningMethodHS256, keyA, edit(func(c *auth.Claims) { c.Subject = "-7" }))},
		{"HS384 with a's key", sign(t, jwt.SigningMethodHS384, keyA, claimsFor(tenA))},
		{"HS512 with a's key", sign(t, jwt.SigningMethodHS512, keyA, claimsFor(tenA))},
		{"RS256", sign(t, jwt.SigningMethodRS256, rsaKey, claimsFor(tenA))},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claimsFor(tenA))},
	}
	control := sign(t, jwt.SigningMethodHS256, keyA, claimsFor(tenA))
	if _, err := s.VerifyForTenant(control, tenA); err != nil {
		t.Fatalf("the unaltered forgery is refused, so the cases prove nothing: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if cl, err := s.VerifyForTenant(c.token, tenA); !errors.Is(err, auth.ErrInvalidToken) || cl != nil {
				t.Errorf("got %+v, %v; want nil, ErrInvalidToken", cl, err)
			}
		})
	}
}

// segments splits a compact JWT into its header, payload and signature.
func segments(t *testing.T, tok string) []string {
	t.Helper()
	p := strings.Split(tok, ".")
	if len(p) != 3 {
		t.Fatalf("token %q has %d segments", tok, len(p))
	}
	return p
}

func TestTamperedPayloadIsRefused(t *testing.T) {
	t.Parallel()
	s := newSigner(t)
	p := segments(t, issue(t, s, tenA, member))
	raw, err := base64.RawURLEncoding.DecodeString(p[1])
	if err != nil {
		t.Fatal(err)
	}
	payload := string(raw)
	edits := []struct{ name, old, new string }{
		{"role owner", `"role":"member"`, `"role":"owner"`},
		{"other user", `"sub":"7"`, `"sub":"1"`},
		{"b's tenant", `"tid":1`, `"tid":2`},
		{"b's audience", `"aud":["tenant:1"]`, `"aud":["tenant:2"]`},
		{"other username", `"username":"ana"`, `"username":"owner"`},
		{"extra claim", `{`, `{"admin":true,`},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			if !strings.Contains(payload, e.old) {
				t.Fatalf("payload %s has no %s", payload, e.old)
			}
			forged := strings.Replace(payload, e.old, e.new, 1)
			tok := p[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + p[2]
			if _, err := s.VerifyForTenant(tok, tenA); !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("got %v, want ErrInvalidToken", err)
			}
		})
	}
}

func TestTamperedSignatureIsRefused(t *testing.T) {
	t.Parallel()
	s := newSigner(t)
	p := segments(t, issue(t, s, tenA, member))
	sig := p[2]
	flip := func(i int) string {
		b := []byte(sig)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	other := segments(t, issue(t, s, tenA, &auth.User{ID: 8, Username: "bo", Role: auth.RoleMember}))[2]
	cases := map[string]string{
		"first character changed":  flip(0),
		"middle character changed": flip(len(sig) / 2),
		"truncated":                sig[:len(sig)-4],
		"doubled":                  sig + sig,
		"empty":                    "",
		"another token's":          other,
		"not base64":               "!!!" + sig[3:],
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			tok := p[0] + "." + p[1] + "." + bad
			if _, err := s.VerifyForTenant(tok, tenA); !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("got %v, want ErrInvalidToken", err)
			}
		})
	}
}

func TestGarbageTokensAreRefused(t *testing.T) {
	t.Parallel()
	s := newSigner(t)
	good := issue(t, s, tenA, member)
	cases := map[string]string{
		"empty":               "",
		"space":               " ",
		"one word":            "garbage",
		"three dots":          "...",
		"two segments":        "eyJhbGciOiJIUzI1NiJ9.e30",
		"four segments":       good + ".e30",
		"bearer prefix":       "Bearer " + good,
		"newline in header":   good[:10] + "\n" + good[10:],
		"leading space":       " " + good,
		"NUL bytes":           "\x00\x00\x00",
		"invalid UTF-8":       "\xff\xfe.\xfd.\xfc",
		"JSON instead of JWT": `{"alg":"none"}`,
		"header not JSON":     base64.RawURLEncoding.EncodeToString([]byte("not json")) + ".e30.sig",
		"5 KB":                strings.Repeat("a", 5<<10),
		"5 KB of a real form": good[:strings.LastIndex(good, ".")] + "." + strings.Repeat("A", 5<<10),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			if c, err := s.VerifyForTenant(tok, tenA); !errors.Is(err, auth.ErrInvalidToken) || c != nil {
				t.Errorf("on a tenant: got %+v, %v; want nil, ErrInvalidToken", c, err)
			}
			if c, err := s.VerifyForOperator(tok); !errors.Is(err, auth.ErrInvalidToken) || c != nil {
				t.Errorf("on the platform: got %+v, %v; want nil, ErrInvalidToken", c, err)
			}
		})
	}
}

// TestTokenLifetime verifies one token at moments around its life, with the
// Signer's clock moved; the parser allows 5 seconds of clock skew.
func TestTokenLifetime(t *testing.T) {
	t.Parallel()
	s := newSigner(t)
	issued := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	now := issued
	auth.SetClock(s, func() time.Time { return now })
	tok, exp, err := s.IssueForTenant(tenA, member)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(issued.Add(auth.AccessTTL)) {
		t.Errorf("expiry %s, want %s", exp, issued.Add(auth.AccessTTL))
	}
	cases := []struct {
		after time.Duration
		valid bool
	}{
		{-time.Minute, false},
		{-3 * time.Second, true},
		{0, true},
		{14 * time.Minute, true},
		{auth.AccessTTL + 4*time.Second, true},
		{auth.AccessTTL + 6*time.Second, false},
		{time.Hour, false},
		{365 * 24 * time.Hour, false},
	}
	for _, c := range cases {
		now = issued.Add(c.after)
		_, err := s.VerifyForTenant(tok, tenA)
		if c.valid && err != nil {
			t.Errorf("%s after issue: %v", c.after, err)
		}
		if !c.valid && !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s after issue: got %v, want ErrInvalidToken", c.after, err)
		}
	}
}

func TestExpiredTokenIsRefused(t *testing.T) {
	t.Parallel()
	past := newSigner(t)
	auth.SetClock(past, func() time.Time { return time.Now().Add(-auth.AccessTTL - time.Minute) })
	tok := issue(t, past, tenA, member)
	if _, err := newSigner(t).VerifyForTenant(tok, tenA); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("got %v, want ErrInvalidToken", err)
	}
}

func TestOperatorAndTenantTokensAreKeptApart(t *testing.T) {
	t.Parallel()
	s := newSigner(t)
	op, _, err := s.IssueForOperator(1, "root")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.VerifyForOperator(op)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := c.UserID(); err != nil || id != 1 || c.Role != "operator" || c.Username != "root" || c.TenantID != 0 {
		t.Errorf("operator claims %+v", c)
	}
	for _, ten := range []*tenantry.Tenant{tenA, tenB, {ID: 0}} {
		if _, err := s.VerifyForTenant(op, ten); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("operator token on tenant %d: got %v, want ErrInvalidToken", ten.ID, err)
		}
	}
	if _, err := s.VerifyForOperator(issue(t, s, tenA, member)); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("tenant token on the platform: got %v, want ErrInvalidToken", err)
	}
	keyA := auth.SigningKey(s, auth.TenantAudience(tenA.ID))
	c2 := claimsFor(tenA)
	c2.Audience = jwt.ClaimStrings{auth.PlatformAudience}
	if _, err := s.VerifyForOperator(sign(t, jwt.SigningMethodHS256, keyA, c2)); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("platform claims signed with a tenant's key: got %v, want ErrInvalidToken", err)
	}
}

func TestTokenOfAnotherServerIsRefused(t *testing.T) {
	t.Parallel()
	other, err := auth.NewSigner([]byte("another server's secret, 32 byte"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newSigner(t).VerifyForTenant(issue(t, other, tenA, member), tenA); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("got %v, want ErrInvalidToken", err)
	}
}

func TestNewSignerNeedsALongSecret(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 16, 31} {
		if s, err := auth.NewSigner(make([]byte, n)); err == nil || s != nil {
			t.Errorf("a %d-byte secret: got %v, %v; want an error", n, s, err)
		}
	}
	for _, n := range []int{32, 64} {
		if _, err := auth.NewSigner(make([]byte, n)); err != nil {
			t.Errorf("a %d-byte secret: %v", n, err)
		}
	}
}

func TestVerifiedTokenStaysBoundToItsTenant(t *testing.T) {
	t.Parallel()
	s := newSigner(t)
	tok := issue(t, s, tenA, member)
	for range 2 { // the second time from the verified-token cache
		if _, err := s.VerifyForTenant(tok, tenA); err != nil {
			t.Fatalf("on its own tenant: %v", err)
		}
		if _, err := s.VerifyForTenant(tok, tenB); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("verified on alpha, then presented to beta: got %v, want ErrInvalidToken", err)
		}
	}
	parts := strings.Split(tok, ".")
	sig := []byte(parts[2])
	sig[len(sig)/2] ^= 1
	if _, err := s.VerifyForTenant(parts[0]+"."+parts[1]+"."+string(sig), tenA); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("a verified token's payload with another signature: got %v, want ErrInvalidToken", err)
	}
}

func TestVerifiedTokenIsRefusedOnceExpired(t *testing.T) {
	t.Parallel()
	s := newSigner(t)
	issued := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	now := issued
	auth.SetClock(s, func() time.Time { return now })
	tok := issue(t, s, tenA, member)
	for _, c := range []struct {
		at    time.Duration
		valid bool
	}{{time.Minute, true}, {-time.Hour, false}, {auth.AccessTTL - time.Second, true}, {auth.AccessTTL + time.Minute, false}} {
		now = issued.Add(c.at)
		_, err := s.VerifyForTenant(tok, tenA)
		if (err == nil) != c.valid {
			t.Errorf("%s after issue, verified before: got %v, want valid %v", c.at, err, c.valid)
		}
	}
}
