package jobs_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// A tenant whose delete has begun (provision.Delete) is, for its jobs, a
// tenant that no longer exists.
func TestJobsOfADeletingTenantAreCancelledUnrun(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	deleting := env.CreateTenant(t, "deleting")
	if _, err := env.Pool.Exec(ctx, "UPDATE public.tenants SET status = 'deleting' WHERE id = $1", deleting.ID); err != nil {
		t.Fatal(err)
	}
	var ran atomic.Int32
	hook := func(context.Context, *tenantdb.Tx, *tenantry.Tenant) error { ran.Add(1); return nil }
	j := start(t, env, jobs.Config{Seeds: []jobs.SeedFunc{hook}})
	inTx(t, env, func(tx pgx.Tx) error { return j.EnqueueSeed(ctx, tx, deleting.ID) })
	r := waitFinal(t, env, jobs.KindSeed, deleting.ID)
	if r.State != "cancelled" || r.Attempt != 1 || !strings.Contains(r.Errors, "no longer exists") {
		t.Errorf("job = %+v; want cancelled at its first attempt, saying the tenant no longer exists", r)
	}
	if n := ran.Load(); n != 0 {
		t.Errorf("the seed hook ran %d times, want never", n)
	}
}
