package limits

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenanthttp"
)

// UserKey names the user (or anonymous client) of a request to tenant t,
// for the per-user bucket; "" puts the request in the tenant's bucket only.
type UserKey func(r *http.Request, t *tenantry.Tenant) string

// Middleware returns middleware that passes each request of a tenant (the
// tenant in its context: place it after tenanthttp.Middleware) through the
// tenant's and its user's buckets. Every answer of a tenant with a rate
// limit carries the RateLimit-Policy and RateLimit headers (IETF
// draft-ietf-httpapi-ratelimit-headers); a request over a limit gets 429
// with Retry-After, and the next handler never sees it. Requests without a
// tenant pass through.
func (rl *RateLimiter) Middleware(user UserKey) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t, ok := tenantry.FromContext(r.Context())
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			key := ""
			if user != nil {
				key = user(r, t)
			}
			d := rl.Allow(r.Context(), t, key)
			SetHeaders(w.Header(), d)
			if !d.Allowed {
				w.Header().Set("Retry-After", ceilSeconds(d.RetryAfter))
				tenanthttp.WriteProblem(w, http.StatusTooManyRequests, d.message(t))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// SetHeaders sets the RateLimit-Policy and RateLimit headers of d's
// policies, as structured-field lists: "tenant";q=20;w=2 and
// "tenant";r=19;t=1 (quota, window, remaining and reset, in requests and
// whole seconds).
func SetHeaders(h http.Header, d Decision) {
	if len(d.Policies) == 0 {
		return
	}
	policies := make([]string, len(d.Policies))
	states := make([]string, len(d.Policies))
	for i, p := range d.Policies {
		policies[i] = fmt.Sprintf("%q;q=%d;w=%s", p.Name, p.Quota, ceilSeconds(p.Window))
		states[i] = fmt.Sprintf("%q;r=%d;t=%d", p.Name, p.Remaining, int64(math.Ceil(p.Reset.Seconds())))
	}
	h.Set("RateLimit-Policy", strings.Join(policies, ", "))
	h.Set("RateLimit", strings.Join(states, ", "))
}

// message says which limit refused a request.
func (d Decision) message(t *tenantry.Tenant) string {
	for _, p := range d.Policies {
		if p.Name != d.Refused {
			continue
		}
		who, field := "tenant "+t.Slug, "rate"
		if p.Name == "user" {
			who, field = "your account on "+t.Slug, "user_rate"
		}
		return fmt.Sprintf("rate limit reached: %s may send %s requests (burst %d) under its plan (%s); retry after %ss",
			who, FormatRate(p.Rate), p.Quota, field, ceilSeconds(d.RetryAfter))
	}
	return "rate limit reached"
}

// ceilSeconds writes d in whole seconds, rounded up, at least 1.
func ceilSeconds(d time.Duration) string {
	return strconv.FormatInt(max(1, int64(math.Ceil(d.Seconds()))), 10)
}
