package limits_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestDefaultPlanExistsWithoutLimits(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ten := env.CreateTenant(t, "acme")
	ps, err := limits.ListPlans(context.Background(), env.Pool)
	if err != nil || len(ps) != 1 || ps[0].Name != limits.DefaultPlan || ps[0].Tenants != 1 || ps[0].Rate != 0 || ps[0].MaxUsers != 0 {
		t.Fatalf("plans = %+v, %v; want free alone, unlimited, with one tenant", ps, err)
	}
	if ten.Plan != limits.DefaultPlan {
		t.Errorf("new tenant's plan = %q", ten.Plan)
	}
}

func TestSavePlanCreatesReplacesAndReadsBack(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	p := savePlan(t, env, limits.Plan{Name: "pro", Rate: 10, UserRate: 2, MaxTransactions: 3, StatementTimeout: 2 * time.Second,
		MaxUsers: 5, MaxJobs: 2, Quotas: map[string]int64{"items": 1000}, Features: map[string]bool{"exports": true, "beta": false}})
	if p.Burst != 10 || p.UserBurst != 2 || p.StatementTimeout != 2*time.Second || p.Quotas["items"] != 1000 ||
		!p.Features["exports"] || p.Features["beta"] || p.Tenants != 0 {
		t.Errorf("saved %+v", p)
	}
	p = savePlan(t, env, limits.Plan{Name: "pro", MaxUsers: 7})
	if p.Rate != 0 || p.MaxUsers != 7 || len(p.Features) != 0 || len(p.Quotas) != 0 {
		t.Errorf("replaced %+v: the limits left out must be gone", p)
	}
	got, err := limits.GetPlan(context.Background(), env.Pool, "pro")
	if err != nil || got.MaxUsers != 7 {
		t.Errorf("get: %+v, %v", got, err)
	}
	if _, err := limits.GetPlan(context.Background(), env.Pool, "nope"); !errors.Is(err, limits.ErrPlanNotFound) {
		t.Errorf("get missing: %v", err)
	}
}

func TestSavePlanRefusesBadLimitsAndStoresNothing(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	for _, p := range []limits.Plan{{Name: "x", MaxUsers: -1}, {Name: "x", Burst: 3}, {Name: "X"}, {Name: "x", Rate: -2}} {
		if _, err := limits.SavePlan(context.Background(), env.Pool, p); !tenantry.IsValidation(err) {
			t.Errorf("save %+v: %v, want a validation error", p, err)
		}
	}
	if _, err := limits.GetPlan(context.Background(), env.Pool, "x"); !errors.Is(err, limits.ErrPlanNotFound) {
		t.Errorf("a refused plan was stored: %v", err)
	}
}

func TestPlanInUseIsNotDeleted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	savePlan(t, env, limits.Plan{Name: "pro"})
	savePlan(t, env, limits.Plan{Name: "gold"})
	assign(t, env, "acme", "pro")

	_, err := limits.DeletePlan(ctx, env.Pool, "pro", "")
	var inUse *limits.InUseError
	if !errors.As(err, &inUse) || inUse.Tenants != 1 || !errors.Is(err, limits.ErrPlanInUse) {
		t.Fatalf("delete in use: %v", err)
	}
	if _, err := limits.DeletePlan(ctx, env.Pool, "pro", "nope"); !tenantry.IsValidation(err) {
		t.Errorf("delete moving to a missing plan: %v", err)
	}
	if _, err := limits.DeletePlan(ctx, env.Pool, limits.DefaultPlan, ""); !errors.Is(err, limits.ErrDefaultPlan) {
		t.Errorf("delete the default plan: %v", err)
	}
	if _, err := limits.DeletePlan(ctx, env.Pool, "missing", ""); !errors.Is(err, limits.ErrPlanNotFound) {
		t.Errorf("delete a missing plan: %v", err)
	}
	moved, err := limits.DeletePlan(ctx, env.Pool, "pro", "gold")
	if err != nil || moved != 1 {
		t.Fatalf("delete moving to gold: %d, %v", moved, err)
	}
	if ten, _ := env.Registry.Find(ctx, "acme"); ten.Plan != "gold" {
		t.Errorf("acme's plan = %q, want gold", ten.Plan)
	}
	if _, err := limits.DeletePlan(ctx, env.Pool, "gold", "gold"); !tenantry.IsValidation(err) {
		t.Errorf("delete moving to itself: %v", err)
	}
}

func TestAssignPlanNeedsAnExistingPlanAndTenant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	if _, err := limits.AssignPlan(ctx, env.Pool, "acme", "nope"); !tenantry.IsValidation(err) {
		t.Errorf("unknown plan: %v", err)
	}
	if _, err := limits.AssignPlan(ctx, env.Pool, "nobody", limits.DefaultPlan); !errors.Is(err, tenantry.ErrTenantNotFound) {
		t.Errorf("unknown tenant: %v", err)
	}
	savePlan(t, env, limits.Plan{Name: "pro"})
	ten, err := limits.AssignPlan(ctx, env.Pool, "acme.test", "pro")
	if err != nil || ten.Plan != "pro" {
		t.Errorf("assign by domain: %+v, %v", ten, err)
	}
}
