package limits

import (
	"cmp"
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tenantry/tenantry"
)

// RateConfig adjusts a RateLimiter. A nil *RateConfig means the defaults.
type RateConfig struct {
	// Instances is how many server instances share the traffic behind the
	// load balancer. The buckets live in each instance's memory, so each
	// enforces 1/Instances of every plan's rate and burst (a burst at
	// least 1): with the traffic spread evenly, the tenant gets its plan's
	// rate in all. Default 1.
	Instances int
	// MaxBuckets bounds the buckets kept in memory. When they are that
	// many, the full ones (as good as new) are dropped, and if that is not
	// enough, all of them. Default 100,000.
	MaxBuckets int
}

// RateLimiter keeps a token bucket per tenant, and one per user (or
// anonymous client) within each tenant, sized by the tenant's plan (rate
// and burst, user_rate and user_burst). It is safe for concurrent use.
type RateLimiter struct {
	plans   *Plans
	cfg     RateConfig
	mu      sync.Mutex
	buckets map[bucketKey]*rate.Limiter
}

type bucketKey struct {
	tenant int64
	user   string // "" for the tenant's own bucket
}

// NewRateLimiter returns a limiter reading the plans from plans.
func NewRateLimiter(plans *Plans, cfg *RateConfig) *RateLimiter {
	c := RateConfig{}
	if cfg != nil {
		c = *cfg
	}
	c.Instances = max(1, c.Instances)
	c.MaxBuckets = cmp.Or(c.MaxBuckets, 100_000)
	return &RateLimiter{plans: plans, cfg: c, buckets: map[bucketKey]*rate.Limiter{}}
}

// Policy is the state of one bucket after a request, as the RateLimit
// headers tell it.
type Policy struct {
	Name      string        // "tenant" or "user"
	Quota     int           // the burst: requests at once
	Window    time.Duration // time for an empty bucket to fill
	Remaining int           // requests left now
	Reset     time.Duration // time until the bucket is full again
	Rate      float64       // requests per second, for messages
}

// Decision is a request's outcome.
type Decision struct {
	Allowed bool
	// RetryAfter is, for a refused request, when the next would be
	// allowed.
	RetryAfter time.Duration
	// Refused is the policy that refused it ("tenant" or "user").
	Refused string
	// Policies are the buckets the request went through.
	Policies []Policy
}

// Allow takes one request of user (a user id, a client address, or "" for
// none) in tenant t from its buckets. A request refused by the user's
// bucket takes nothing from the tenant's. When the plans cannot be read,
// the request is allowed: whatever it does next reports the outage.
func (rl *RateLimiter) Allow(ctx context.Context, t *tenantry.Tenant, user string) Decision {
	l, err := rl.plans.For(ctx, t)
	if err != nil || (l.Rate == 0 && (l.UserRate == 0 || user == "")) {
		return Decision{Allowed: true}
	}
	now := time.Now()
	d := Decision{Allowed: true}
	var taken []*rate.Reservation
	take := func(name string, key bucketKey, r float64, burst int) bool {
		b, r, burst := rl.bucket(key, r, burst, now)
		res := b.ReserveN(now, 1)
		if wait := res.DelayFrom(now); wait > 0 {
			res.CancelAt(now)
			d.Allowed, d.Refused, d.RetryAfter = false, name, wait
			d.Policies = append(d.Policies, policy(name, b, r, burst, now))
			return false
		}
		taken = append(taken, res)
		d.Policies = append(d.Policies, policy(name, b, r, burst, now))
		return true
	}
	ok := l.Rate == 0 || take("tenant", bucketKey{tenant: t.ID}, l.Rate, l.Burst)
	if ok && l.UserRate > 0 && user != "" && !take("user", bucketKey{tenant: t.ID, user: user}, l.UserRate, l.UserBurst) {
		for _, res := range taken {
			res.CancelAt(now)
		}
	}
	return d
}

// bucket returns key's bucket, sized for this instance's share of rate and
// burst, which it also returns.
func (rl *RateLimiter) bucket(key bucketKey, r float64, burst int, now time.Time) (*rate.Limiter, float64, int) {
	r /= float64(rl.cfg.Instances)
	burst = max(1, burst/rl.cfg.Instances)
	rl.mu.Lock()
	defer rl.mu.Unlock()
	b := rl.buckets[key]
	if b == nil {
		if len(rl.buckets) >= rl.cfg.MaxBuckets {
			rl.sweep(now)
		}
		b = rate.NewLimiter(rate.Limit(r), burst)
		rl.buckets[key] = b
		return b, r, burst
	}
	if b.Limit() != rate.Limit(r) {
		b.SetLimitAt(now, rate.Limit(r))
	}
	if b.Burst() != burst {
		b.SetBurstAt(now, burst)
	}
	return b, r, burst
}

// sweep drops the full buckets (a full bucket is as good as a new one) and,
// when that frees too little, every bucket.
func (rl *RateLimiter) sweep(now time.Time) {
	for k, b := range rl.buckets {
		if b.TokensAt(now) >= float64(b.Burst()) {
			delete(rl.buckets, k)
		}
	}
	if len(rl.buckets) >= rl.cfg.MaxBuckets*9/10 {
		clear(rl.buckets)
	}
}

func policy(name string, b *rate.Limiter, r float64, burst int, now time.Time) Policy {
	tokens := max(0, b.TokensAt(now))
	return Policy{Name: name, Quota: burst, Rate: r,
		Window:    seconds(float64(burst) / r),
		Remaining: int(math.Floor(tokens)),
		Reset:     seconds((float64(burst) - tokens) / r)}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
