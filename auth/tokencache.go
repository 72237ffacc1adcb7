package auth

import (
	"sync"
	"time"
)

// verifiedCacheSize bounds the verified-token cache: about as many access
// tokens as are in use at once on a busy server; when full it starts over.
const verifiedCacheSize = 50_000

// verifiedCache remembers access tokens whose signature, algorithm,
// issuer, audience and times were checked, so that a token presented again
// costs a map lookup instead of a parse and an HMAC. Only what the token
// itself says is cached: whether the user is still active, their role and
// password are read from the database on every request, as before. An entry
// is used only until the token expires; it is keyed by the token and the
// audience it was checked for, so a token checked for one tenant is never
// taken for another's. Safe for concurrent use.
type verifiedCache struct {
	mu      sync.RWMutex
	entries map[verifiedKey]*Claims
}

type verifiedKey struct{ token, audience string }

// get returns the claims of token checked for audience, if it was and is
// valid now: not expired, not before its start (with the verifier's
// leeway).
func (c *verifiedCache) get(token, audience string, now time.Time) (*Claims, bool) {
	c.mu.RLock()
	claims, ok := c.entries[verifiedKey{token, audience}]
	c.mu.RUnlock()
	if !ok || !now.Before(claims.ExpiresAt.Add(tokenLeeway)) ||
		(claims.NotBefore != nil && now.Before(claims.NotBefore.Add(-tokenLeeway))) {
		return nil, false
	}
	return claims, true
}

// put remembers claims, verified for audience. When the cache is full it
// is emptied first: the tokens still in use are verified again once.
func (c *verifiedCache) put(token, audience string, claims *Claims) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= verifiedCacheSize {
		c.entries = make(map[verifiedKey]*Claims)
	}
	c.entries[verifiedKey{token, audience}] = claims
}
