package api

import (
	"net/http"
	"strconv"

	"github.com/tenantry/tenantry"
)

// rateLimit passes each tenant request through Config.RateLimiter, if any,
// keyed per user by the bearer token's user when the token is this
// tenant's and valid, else by the client's address: a client without a
// valid token (logging in, say) has a bucket of its own, and cannot drain
// a user's by sending their id.
func (s *server) rateLimit(next http.Handler) http.Handler {
	if s.cfg.RateLimiter == nil {
		return next
	}
	return s.cfg.RateLimiter.Middleware(s.rateKey)(next)
}

func (s *server) rateKey(r *http.Request, t *tenantry.Tenant) string {
	b := Bearer{Authorization: r.Header.Get("Authorization")}
	if tok := b.token(); tok != "" {
		if claims, err := s.cfg.Signer.VerifyForTenant(tok, t); err == nil {
			if uid, err := claims.UserID(); err == nil {
				return "user:" + strconv.FormatInt(uid, 10)
			}
		}
	}
	return "client:" + remoteHost(r)
}
