package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tenantry/tenantry"
)

// AccessTTL is how long an access token lives.
const AccessTTL = 15 * time.Minute

// issuer is the iss claim of every token Tenantry signs.
const issuer = "tenantry"

// ErrInvalidToken is returned for any token that must not be accepted:
// malformed, badly signed, of another algorithm, expired, or issued for
// another tenant. Callers answer 401 and do not say which.
var ErrInvalidToken = errors.New("invalid or expired token")

// Claims are an access token's claims. Audience is "tenant:<id>" for a
// tenant's users and "platform" for operators.
type Claims struct {
	jwt.RegisteredClaims
	TenantID int64  `json:"tid,omitempty"`
	Role     string `json:"role"`
	Username string `json:"username"`
}

// UserID is the subject as a user id.
func (c *Claims) UserID() (int64, error) {
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrInvalidToken
	}
	return id, nil
}

// Signer issues and verifies access tokens. Each tenant's tokens are signed
// with a key of its own, derived from the server's secret, so a token of one
// tenant cannot verify on another even if its claims were rewritten.
type Signer struct {
	secret   []byte
	now      func() time.Time
	verified verifiedCache
	keys     sync.Map // audience -> its derived key, for the tenants verified against
}

// NewSigner returns a Signer for secret, which must hold at least 32 bytes.
func NewSigner(secret []byte) (*Signer, error) {
	if len(secret) < 32 {
		return nil, fmt.Errorf("signing secret must be at least 32 bytes, got %d", len(secret))
	}
	return &Signer{secret: secret, now: time.Now}, nil
}

// TenantAudience is the audience of tenant id's tokens.
func TenantAudience(id int64) string { return "tenant:" + strconv.FormatInt(id, 10) }

// PlatformAudience is the audience of operators' tokens.
const PlatformAudience = "platform"

// key derives the HMAC key of one audience.
func (s *Signer) key(audience string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("tenantry access token key\x00" + audience))
	return m.Sum(nil)
}

// IssueForTenant signs an access token for user u of tenant t.
func (s *Signer) IssueForTenant(t *tenantry.Tenant, u *User) (string, time.Time, error) {
	return s.issue(TenantAudience(t.ID), Claims{TenantID: t.ID, Role: u.Role, Username: u.Username}, u.ID)
}

// IssueForOperator signs an access token for a platform operator.
func (s *Signer) IssueForOperator(id int64, username string) (string, time.Time, error) {
	return s.issue(PlatformAudience, Claims{Role: "operator", Username: username}, id)
}

func (s *Signer) issue(aud string, c Claims, subject int64) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(AccessTTL)
	c.RegisteredClaims = jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   strconv.FormatInt(subject, 10),
		Audience:  jwt.ClaimStrings{aud},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
		ID:        randomID(),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	signed, err := tok.SignedString(s.key(aud))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign access token: %w", err)
	}
	return signed, exp, nil
}

// VerifyForTenant parses an access token presented on tenant t's host. It
// accepts only HS256 tokens signed with t's key, for t's audience and id,
// unexpired. Any failure is ErrInvalidToken.
//
// A token once verified for t is remembered until it expires (see
// verifiedCache): presented again, it costs a lookup. The returned claims
// are shared: do not change them.
func (s *Signer) VerifyForTenant(token string, t *tenantry.Tenant) (*Claims, error) {
	aud := TenantAudience(t.ID)
	if c, ok := s.verified.get(token, aud, s.now()); ok && c.TenantID == t.ID {
		return c, nil
	}
	c, err := s.verifyWith(token, aud, s.cachedKey(aud))
	if err != nil || c.TenantID != t.ID {
		return nil, ErrInvalidToken
	}
	s.verified.put(token, aud, c)
	return c, nil
}

// cachedKey is key(audience), derived once per audience. Only audiences of
// resolved tenants come here, never one a token names, so the map is
// bounded by the number of tenants.
func (s *Signer) cachedKey(audience string) []byte {
	if k, ok := s.keys.Load(audience); ok {
		return k.([]byte)
	}
	k := s.key(audience)
	s.keys.Store(audience, k)
	return k
}

// ForeignTenant reports whether token, refused on tenant t's host, is a
// tenant access token that names another tenant, which one, and whether it
// is genuine (validly signed for that tenant, unexpired): a user of one
// tenant presenting their token to another. It is for the audit log; the
// answer grants nothing.
func (s *Signer) ForeignTenant(token string, t *tenantry.Tenant) (other int64, genuine, ok bool) {
	if len(token) > maxTokenBytes {
		return 0, false, false
	}
	var c Claims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil || c.TenantID <= 0 || c.TenantID == t.ID {
		return 0, false, false
	}
	_, err := s.verify(token, TenantAudience(c.TenantID))
	return c.TenantID, err == nil, true
}

// VerifyForOperator parses an operator's access token.
func (s *Signer) VerifyForOperator(token string) (*Claims, error) {
	return s.verify(token, PlatformAudience)
}

// maxTokenBytes bounds what the parser is given: real tokens are ~400 bytes.
const maxTokenBytes = 4096

// tokenLeeway is the clock skew allowed on a token's times.
const tokenLeeway = 5 * time.Second

func (s *Signer) verify(token, aud string) (*Claims, error) {
	return s.verifyWith(token, aud, s.key(aud))
}

// verifyWith checks token for aud against key, key(aud).
func (s *Signer) verifyWith(token, aud string, key []byte) (*Claims, error) {
	// Go's base64 decoder skips \r and \n and, unless strict, ignores the
	// unused bits of the last character: either would let one signature be
	// written in several ways, so that altered tokens verify.
	if len(token) > maxTokenBytes || strings.ContainsAny(token, "\r\n") {
		return nil, ErrInvalidToken
	}
	var c Claims
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithStrictDecoding(),
		jwt.WithAudience(aud),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(tokenLeeway),
		jwt.WithTimeFunc(s.now),
	)
	_, err := p.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return key, nil })
	if err != nil {
		return nil, ErrInvalidToken
	}
	if _, err := c.UserID(); err != nil {
		return nil, err
	}
	return &c, nil
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails on Linux
	return base64.RawURLEncoding.EncodeToString(b)
}
