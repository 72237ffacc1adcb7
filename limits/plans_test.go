package limits_test

import (
	"context"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestForGivesThePlanWithTheTenantsFeaturesOverIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	savePlan(t, env, limits.Plan{Name: "pro", MaxUsers: 5, Quotas: map[string]int64{"items": 10},
		Features: map[string]bool{"exports": true, "sso": true}})
	assign(t, env, "acme", "pro")
	if _, err := env.Pool.Exec(ctx, `UPDATE public.tenants SET features = '{"sso": false, "beta": true, "note": "x"}' WHERE slug = 'acme'`); err != nil {
		t.Fatal(err)
	}
	ten, err := env.Registry.Find(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	plans := limits.NewPlans(env.Pool, nil)
	l, err := plans.For(ctx, ten)
	if err != nil || !l.Known || l.Name != "pro" || l.MaxUsers != 5 {
		t.Fatalf("For = %+v, %v", l, err)
	}
	for name, want := range map[string]bool{"exports": true, "sso": false, "beta": true, "note": false, "other": false} {
		if got := l.Feature(name); got != want {
			t.Errorf("Feature(%q) = %v, want %v", name, got, want)
		}
	}
	if f := l.Features(); len(f) != 3 || !f["exports"] || f["sso"] || !f["beta"] {
		t.Errorf("Features() = %v", f)
	}
	if n, ok := l.Quota("items"); !ok || n != 10 {
		t.Errorf("Quota(items) = %d, %v", n, ok)
	}
	if _, ok := l.Quota("storage"); ok {
		t.Error("Quota(storage) set")
	}
}

func TestTenantOnAMissingPlanGetsTheDefaultPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	ten := env.CreateTenant(t, "acme")
	savePlan(t, env, limits.Plan{Name: limits.DefaultPlan, MaxUsers: 3})
	ten.Plan = "vanished"
	l, err := limits.NewPlans(env.Pool, nil).For(ctx, ten)
	if err != nil || l.Known || l.Name != limits.DefaultPlan || l.MaxUsers != 3 {
		t.Errorf("For = %+v, %v; want the default plan", l, err)
	}
}

func TestPlanChangesReachAListeningServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	ten := env.CreateTenant(t, "acme")
	plans := limits.NewPlans(env.Pool, &limits.Config{TTL: time.Hour, FallbackTTL: time.Hour})
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = plans.Listen(lctx, env.URL) }()
	t.Cleanup(func() { stop(); <-done })
	// Once listening, a read is trusted for the TTL (an hour): only the
	// notification can make the next read see the change.
	waitFor(t, func() bool { _, err := plans.For(ctx, ten); return err == nil && listening(plans) })
	savePlan(t, env, limits.Plan{Name: limits.DefaultPlan, MaxUsers: 9})
	waitFor(t, func() bool { l, _ := plans.For(ctx, ten); return l.MaxUsers == 9 })
}

// listening reports whether plans' listener is connected, by the state of
// For's copy after an invalidation: the test only needs it to be connected
// before the change is made.
func listening(p *limits.Plans) bool { return p.Listening() }

// waitFor polls cond until it holds, failing t after 10 seconds: a bound
// on a test that would otherwise hang, not a measure of speed.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSetTenantFeaturesOverridesThePlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	savePlan(t, env, limits.Plan{Name: limits.DefaultPlan, Features: map[string]bool{"exports": true}})
	on, off := true, false
	ten, err := limits.SetTenantFeatures(ctx, env.Pool, "acme", map[string]*bool{"exports": &off, "beta": &on})
	if err != nil {
		t.Fatal(err)
	}
	plans := limits.NewPlans(env.Pool, nil)
	l, _ := plans.For(ctx, ten)
	if l.Feature("exports") || !l.Feature("beta") {
		t.Errorf("after set: %v", l.Features())
	}
	ten, err = limits.SetTenantFeatures(ctx, env.Pool, "acme", map[string]*bool{"exports": nil})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := plans.For(ctx, ten); !l.Feature("exports") || !l.Feature("beta") {
		t.Errorf("after removing the override: %v", l.Features())
	}
	if _, err := limits.SetTenantFeatures(ctx, env.Pool, "acme", map[string]*bool{"Bad Name": &on}); !tenantry.IsValidation(err) {
		t.Errorf("bad feature name: %v", err)
	}
}
