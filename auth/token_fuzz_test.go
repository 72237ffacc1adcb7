package auth_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
)

// The fuzz targets' signer lives at fuzzNow, so the tokens they mint are the
// same on every run and those in testdata/fuzz stay valid; leeway is the
// clock skew the parser allows.
var (
	fuzzNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	leeway  = 5 * time.Second
)

func fuzzSigner(tb testing.TB, now time.Time) *auth.Signer {
	tb.Helper()
	s, err := auth.NewSigner(secret)
	if err != nil {
		tb.Fatal(err)
	}
	auth.SetClock(s, func() time.Time { return now })
	return s
}

// fuzzClaims are the claims the Signer writes at fuzzNow for member, with a
// fixed token id instead of a random one.
func fuzzClaims(aud string, tid int64) auth.Claims {
	return auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    "tenantry",
			Subject:   "7",
			Audience:  jwt.ClaimStrings{aud},
			IssuedAt:  jwt.NewNumericDate(fuzzNow),
			NotBefore: jwt.NewNumericDate(fuzzNow),
			ExpiresAt: jwt.NewNumericDate(fuzzNow.Add(auth.AccessTTL)),
			ID:        "fuzz",
		},
		TenantID: tid,
		Role:     auth.RoleMember,
		Username: "ana",
	}
}

// fuzzToken is a valid token for aud, as the Signer would issue it at fuzzNow.
func fuzzToken(tb testing.TB, s *auth.Signer, aud string, tid int64) string {
	tb.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, fuzzClaims(aud, tid)).SignedString(auth.SigningKey(s, aud))
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// audience is one place a token can be presented: a tenant's host or the
// platform. valid is the one token it must accept ("" for none).
type audience struct {
	name   string
	aud    string
	tid    int64
	valid  string
	verify func(s *auth.Signer, tok string) (*auth.Claims, error)
}

// audiences are tenants a and b, two tenants no token was issued for, and
// the platform, with the valid token of each.
func audiences(tb testing.TB, s *auth.Signer) []audience {
	tb.Helper()
	onTenant := func(ten *tenantry.Tenant) func(*auth.Signer, string) (*auth.Claims, error) {
		return func(s *auth.Signer, tok string) (*auth.Claims, error) { return s.VerifyForTenant(tok, ten) }
	}
	var as []audience
	for _, ten := range []*tenantry.Tenant{tenA, tenB, {ID: 0}, {ID: -1}} {
		a := audience{name: "tenant " + auth.TenantAudience(ten.ID), aud: auth.TenantAudience(ten.ID), tid: ten.ID, verify: onTenant(ten)}
		if ten.ID > 0 {
			a.valid = fuzzToken(tb, s, a.aud, ten.ID)
		}
		as = append(as, a)
	}
	return append(as, audience{
		name:   "platform",
		aud:    auth.PlatformAudience,
		valid:  fuzzToken(tb, s, auth.PlatformAudience, 0),
		verify: func(s *auth.Signer, tok string) (*auth.Claims, error) { return s.VerifyForOperator(tok) },
	})
}

// refused fails t unless err is ErrInvalidToken with no claims.
func refused(t *testing.T, where string, c *auth.Claims, err error) {
	t.Helper()
	if !errors.Is(err, auth.ErrInvalidToken) || c != nil {
		t.Fatalf("%s: got %+v, %v; want nil, ErrInvalidToken", where, c, err)
	}
}

// FuzzVerifyToken presents arbitrary strings on every audience: each accepts
// exactly the token issued for it, byte for byte, and refuses anything else
// with ErrInvalidToken.
func FuzzVerifyToken(f *testing.F) {
	s := fuzzSigner(f, fuzzNow)
	as := audiences(f, s)
	tokA := as[0].valid
	p := strings.Split(tokA, ".")
	for _, a := range as {
		f.Add(a.valid)
	}
	for _, tok := range []string{
		"", ".", "..", "a.b.c", "Bearer " + tokA, tokA + ".", tokA + "=", tokA + "\n", " " + tokA,
		p[0] + "." + p[1] + ".",
		b64(`{"alg":"none","typ":"JWT"}`) + "." + p[1] + ".",
		b64(`{"alg":"HS512","typ":"JWT"}`) + "." + p[1] + "." + p[2],
		p[1] + "." + p[0] + "." + p[2],
		strings.Repeat("A", 4097),
		sibling(tokA), p[0] + "." + p[1] + "." + p[2][:9] + "\r" + p[2][9:],
	} {
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		for _, a := range as {
			c, err := a.verify(s, tok)
			if tok != a.valid || a.valid == "" {
				refused(t, a.name, c, err)
			} else if err != nil {
				t.Fatalf("%s refuses its own token: %v", a.name, err)
			}
		}
	})
}

// FuzzTamperedToken changes tenant a's valid token in one way the fuzzer
// picks: a byte set, inserted or deleted, a string inserted, the segments
// reordered, the header's alg replaced (with the signature kept, dropped or
// remade with a's key under that alg), or the claims re-encoded with another
// tid, aud and exp under the old signature. The result is accepted on a
// only if it is byte-identical to the original, and never elsewhere.
func FuzzTamperedToken(f *testing.F) {
	s := fuzzSigner(f, fuzzNow)
	as := audiences(f, s)
	tokA := as[0].valid
	f.Add(uint8(0), uint16(0), byte('B'), "")
	f.Add(uint8(0), uint16(len(tokA)-1), byte('B'), "")
	f.Add(uint8(1), uint16(len(tokA)), byte('\n'), "")
	f.Add(uint8(0), uint16(len(tokA)-1), sibling(tokA)[len(tokA)-1], "")
	f.Add(uint8(2), uint16(len(tokA)-1), byte(0), "")
	f.Add(uint8(3), uint16(1), byte(0), "")
	f.Add(uint8(4), uint16(0), byte(0), "none")
	f.Add(uint8(5), uint16(0), byte(0), "none")
	f.Add(uint8(5), uint16(0), byte(0), "HS512")
	f.Add(uint8(5), uint16(0), byte(0), "RS256")
	f.Add(uint8(6), uint16(0), byte(2), "tenant:2")
	f.Add(uint8(6), uint16(0), byte(1), "platform")
	f.Add(uint8(7), uint16(len(tokA)), byte(0), "==")
	f.Fuzz(func(t *testing.T, kind uint8, pos uint16, b byte, str string) {
		tok := tamper(t, s, tokA, kind, int(pos), b, str)
		for _, a := range as {
			c, err := a.verify(s, tok)
			if a.valid != tokA || tok != tokA {
				refused(t, a.name+" given "+tok, c, err)
			} else if err != nil {
				t.Fatalf("%s refuses its own token: %v", a.name, err)
			}
		}
	})
}

// tamper applies mutation kind (taken modulo 8) to tok; pos, b and str are
// its operands.
func tamper(t *testing.T, s *auth.Signer, tok string, kind uint8, pos int, b byte, str string) string {
	p := strings.Split(tok, ".")
	switch kind % 8 {
	case 0:
		bs := []byte(tok)
		bs[pos%len(bs)] = b
		return string(bs)
	case 1:
		pos %= len(tok) + 1
		return tok[:pos] + string([]byte{b}) + tok[pos:]
	case 2:
		pos %= len(tok)
		return tok[:pos] + tok[pos+1:]
	case 3:
		perms := [][3]int{{0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}, {0, 0, 2}}
		o := perms[pos%len(perms)]
		return p[o[0]] + "." + p[o[1]] + "." + p[o[2]]
	case 4:
		return withAlg(t, str) + "." + p[1] + "." + p[2]
	case 5:
		head := withAlg(t, str) + "." + p[1]
		var sig []byte
		if m, ok := jwt.GetSigningMethod(str).(*jwt.SigningMethodHMAC); ok {
			var err error
			if sig, err = m.Sign(head, auth.SigningKey(s, auth.TenantAudience(tenA.ID))); err != nil {
				t.Fatal(err)
			}
		}
		return head + "." + base64.RawURLEncoding.EncodeToString(sig)
	case 6:
		c := fuzzClaims(str, int64(b))
		c.ExpiresAt = jwt.NewNumericDate(fuzzNow.Add(time.Duration(pos) * time.Second))
		payload, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return p[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + p[2]
	default:
		pos %= len(tok) + 1
		return tok[:pos] + str + tok[pos:]
	}
}

// withAlg is a JWT header naming alg, encoded.
func withAlg(t *testing.T, alg string) string {
	h, err := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(h)
}

// sibling is tok with its last character changed in the bits that base64
// leaves unused at the end of a 32-byte signature: the same bytes, unless
// the decoder is strict.
func sibling(tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, tok[len(tok)-1])
	return tok[:len(tok)-1] + string(alphabet[i^1])
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// FuzzSignedClaims signs an arbitrary header and payload with HS256 under one
// of the keys the fuzzer picks (a's, b's, the platform's, or the server's
// secret itself), as someone holding that key could. A token is accepted
// only where that key is the audience's own, and only with claims that fit
// it: HS256 in the header, the audience among aud, the tenant's id in tid,
// issuer tenantry, a positive user id, not expired, not issued or valid only
// in the future.
func FuzzSignedClaims(f *testing.F) {
	s := fuzzSigner(f, fuzzNow)
	as := audiences(f, s)
	keys := [][]byte{secret}
	for _, a := range as {
		keys = append(keys, auth.SigningKey(s, a.aud))
	}
	header := `{"alg":"HS256","typ":"JWT"}`
	claims := func(edit func(c *auth.Claims)) string {
		c := fuzzClaims(auth.TenantAudience(tenA.ID), tenA.ID)
		edit(&c)
		b, err := json.Marshal(c)
		if err != nil {
			f.Fatal(err)
		}
		return string(b)
	}
	valid := claims(func(*auth.Claims) {})
	f.Add(uint8(1), header, valid)
	f.Add(uint8(2), header, valid)
	f.Add(uint8(0), header, valid)
	f.Add(uint8(1), `{"alg":"none"}`, valid)
	f.Add(uint8(1), `{"alg":"HS512"}`, valid)
	f.Add(uint8(1), `{"alg":"HS256","alg":"none"}`, valid)
	f.Add(uint8(1), `{"ALG":"HS256"}`, valid)
	f.Add(uint8(1), header, claims(func(c *auth.Claims) { c.TenantID = tenB.ID }))
	f.Add(uint8(1), header, claims(func(c *auth.Claims) { c.Audience = append(c.Audience, auth.TenantAudience(tenB.ID)) }))
	f.Add(uint8(1), header, claims(func(c *auth.Claims) { c.ExpiresAt = nil }))
	f.Add(uint8(1), header, claims(func(c *auth.Claims) { c.Subject = "07" }))
	f.Add(uint8(1), header, strings.Replace(valid, `"tid":1`, `"tid":1,"TID":2`, 1))
	f.Add(uint8(1), header, strings.Replace(valid, `"tid":1`, `"tid":1.0`, 1))
	f.Add(uint8(1), header, strings.Replace(valid, `"aud":["tenant:1"]`, `"aud":"tenant:1"`, 1))
	f.Add(uint8(1), header, `{"aud":"tenant:1","tid":1,"iss":"tenantry","sub":"7","exp":1e30}`)
	f.Add(uint8(5), header, claims(func(c *auth.Claims) { c.Audience = jwt.ClaimStrings{auth.PlatformAudience}; c.TenantID = 0 }))
	f.Fuzz(func(t *testing.T, key uint8, header, payload string) {
		k := int(key) % len(keys)
		head := b64(header) + "." + b64(payload)
		m := hmac.New(sha256.New, keys[k])
		m.Write([]byte(head))
		tok := head + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
		for i, a := range as {
			c, err := a.verify(s, tok)
			if err != nil {
				refused(t, a.name, c, err)
				continue
			}
			if k != i+1 {
				t.Fatalf("%s accepts a token signed with key %d: %s", a.name, k, tok)
			}
			if why := misfit(header, c, a); why != "" {
				t.Fatalf("%s accepts header %s claims %s: %s", a.name, header, payload, why)
			}
		}
	})
}

// misfit says why a token with header and claims c must not be accepted by
// a, or "" if it may be.
func misfit(header string, c *auth.Claims, a audience) string {
	var h map[string]any
	if err := json.Unmarshal([]byte(header), &h); err != nil || h["alg"] != "HS256" {
		return "the header does not say HS256"
	}
	if uid, err := c.UserID(); err != nil || uid <= 0 {
		return "no user id"
	}
	switch {
	case !slices.Contains(c.Audience, a.aud):
		return "another audience"
	case a.tid != 0 && c.TenantID != a.tid:
		return "another tenant id"
	case c.Issuer != "tenantry":
		return "another issuer"
	case c.ExpiresAt == nil || !fuzzNow.Before(c.ExpiresAt.Add(leeway)):
		return "no expiry, or expired"
	case c.IssuedAt != nil && fuzzNow.Before(c.IssuedAt.Add(-leeway)):
		return "issued in the future"
	case c.NotBefore != nil && fuzzNow.Before(c.NotBefore.Add(-leeway)):
		return "not valid yet"
	}
	return ""
}

// FuzzTokenLifetime verifies a token issued at fuzzNow at a moment the
// fuzzer picks: it is accepted from 5 s before its issue until 5 s after its
// expiry, exclusive, and never on another tenant.
func FuzzTokenLifetime(f *testing.F) {
	tok, exp, err := fuzzSigner(f, fuzzNow).IssueForTenant(tenA, member)
	if err != nil {
		f.Fatal(err)
	}
	for _, d := range []time.Duration{0, -leeway, -leeway - 1, auth.AccessTTL, auth.AccessTTL + leeway - 1, auth.AccessTTL + leeway, 1 << 62, -1 << 63} {
		f.Add(int64(d))
	}
	f.Fuzz(func(t *testing.T, after int64) {
		now := fuzzNow.Add(time.Duration(after))
		s := fuzzSigner(t, now)
		want := !now.Before(fuzzNow.Add(-leeway)) && now.Before(exp.Add(leeway))
		c, err := s.VerifyForTenant(tok, tenA)
		if want && (err != nil || c.TenantID != tenA.ID) {
			t.Fatalf("%s after issue: got %+v, %v; want it accepted", time.Duration(after), c, err)
		}
		if !want {
			refused(t, time.Duration(after).String()+" after issue", c, err)
		}
		c, err = s.VerifyForTenant(tok, tenB)
		refused(t, "on tenant b", c, err)
	})
}
