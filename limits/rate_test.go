package limits_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/tenanttest"
)

// TestEachInstanceEnforcesItsShare: with two instances, each allows half
// the plan's burst; the user's bucket refuses without taking from the
// tenant's.
func TestEachInstanceEnforcesItsShare(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	savePlan(t, env, limits.Plan{Name: "p", Rate: 1.0 / 60, Burst: 8, UserRate: 1.0 / 60, UserBurst: 2})
	assign(t, env, "acme", "p")
	ten, _ := env.Registry.Find(ctx, "acme")
	rl := limits.NewRateLimiter(limits.NewPlans(env.Pool, nil), &limits.RateConfig{Instances: 2})
	allowed := 0
	for range 3 {
		if d := rl.Allow(ctx, ten, "user:1"); d.Allowed {
			allowed++
		} else if d.Refused != "user" || d.RetryAfter <= 0 {
			t.Errorf("refused by %q after %v, want the user's bucket", d.Refused, d.RetryAfter)
		}
	}
	if allowed != 1 { // the user's burst 2 halved
		t.Errorf("user allowed %d, want 1 (half of 2)", allowed)
	}
	for range 10 {
		if rl.Allow(ctx, ten, "").Allowed {
			allowed++
		}
	}
	if allowed != 4 { // the tenant's burst 8 halved: the user's refusals took nothing
		t.Errorf("tenant allowed %d in all, want 4 (half of 8)", allowed)
	}
	h := http.Header{}
	limits.SetHeaders(h, rl.Allow(ctx, ten, ""))
	if h.Get("RateLimit-Policy") != `"tenant";q=4;w=480` || h.Get("RateLimit") != `"tenant";r=0;t=480` {
		t.Errorf("headers: %q %q", h.Get("RateLimit-Policy"), h.Get("RateLimit"))
	}
}
