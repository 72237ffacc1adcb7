package jobs_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/examples/items"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestSeedRunsInsideItsOwnTenantOnly(t *testing.T) {
	t.Parallel()
	// Logged in as production does: not a superuser, entering tenants by
	// their roles.
	env := tenanttest.Setup(t, &tenanttest.Options{NonSuperuser: true, App: items.App()})
	alpha := env.CreateTenant(t, "alpha")
	beta := env.CreateTenant(t, "beta")
	var mu sync.Mutex
	var seen []string
	hook := func(ctx context.Context, tx *tenantdb.Tx, ten *tenantry.Tenant) error {
		fromCtx, _ := tenantry.FromContext(ctx)
		mu.Lock()
		seen = append(seen, ten.Slug)
		mu.Unlock()
		if fromCtx != ten || tx.Tenant != ten {
			return errors.New("the context and the transaction do not carry the hook's tenant")
		}
		return insertItem(ctx, tx, "seeded")
	}
	j := start(t, env, jobs.Config{Seeds: []jobs.SeedFunc{hook}})
	inTx(t, env, func(tx pgx.Tx) error { return j.EnqueueSeed(context.Background(), tx, alpha.ID) })
	if r := waitFinal(t, env, jobs.KindSeed, alpha.ID); r.State != "completed" {
		t.Fatalf("seed job = %+v, want completed", r)
	}
	if got := countItems(t, env, alpha); got != 1 {
		t.Errorf("alpha has %d items, want the seeded 1", got)
	}
	if got := countItems(t, env, beta); got != 0 {
		t.Errorf("beta has %d items, want none", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != "alpha" {
		t.Errorf("hook ran for %q, want alpha once", seen)
	}
}

func TestJobsOfInactiveOrDeletedTenantsAreCancelledUnrun(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	suspended := env.CreateTenant(t, "suspended")
	terminated := env.CreateTenant(t, "terminated")
	deleted := env.CreateTenant(t, "deleted")
	if _, err := env.Registry.SetStatus(ctx, "suspended", tenantry.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Registry.SetStatus(ctx, "terminated", tenantry.StatusTerminated); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, "DELETE FROM public.tenants WHERE id = $1", deleted.ID); err != nil {
		t.Fatal(err)
	}
	var ran atomic.Int32
	hook := func(ctx context.Context, tx *tenantdb.Tx, ten *tenantry.Tenant) error {
		ran.Add(1)
		return nil
	}
	j := start(t, env, jobs.Config{Seeds: []jobs.SeedFunc{hook}})
	cases := []struct {
		tenant *tenantry.Tenant
		reason string
	}{
		{suspended, "is suspended"},
		{terminated, "is terminated"},
		{deleted, "no longer exists"},
	}
	inTx(t, env, func(tx pgx.Tx) error {
		for _, c := range cases {
			if err := j.EnqueueSeed(ctx, tx, c.tenant.ID); err != nil {
				return err
			}
		}
		return nil
	})
	for _, c := range cases {
		r := waitFinal(t, env, jobs.KindSeed, c.tenant.ID)
		if r.State != "cancelled" || r.Attempt != 1 || !strings.Contains(r.Errors, c.reason) {
			t.Errorf("job of tenant %s = %+v; want cancelled at its first attempt, saying %q", c.tenant.Slug, r, c.reason)
		}
	}
	if n := ran.Load(); n != 0 {
		t.Errorf("the seed hook ran %d times, want never", n)
	}
}

func TestFailedTenantJobRollsBackAndIsRetried(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, withItems)
	alpha := env.CreateTenant(t, "alpha")
	var calls atomic.Int32
	hook := func(ctx context.Context, tx *tenantdb.Tx, ten *tenantry.Tenant) error {
		if err := insertItem(ctx, tx, "seeded"); err != nil {
			return err
		}
		if calls.Add(1) == 1 {
			return errors.New("first attempt fails after writing")
		}
		return nil
	}
	j := start(t, env, jobs.Config{Seeds: []jobs.SeedFunc{hook}})
	inTx(t, env, func(tx pgx.Tx) error { return j.EnqueueSeed(context.Background(), tx, alpha.ID) })
	r := waitFinal(t, env, jobs.KindSeed, alpha.ID)
	if r.State != "completed" || r.Attempt != 2 || !strings.Contains(r.Errors, "first attempt fails") {
		t.Fatalf("seed job = %+v; want completed at attempt 2 after the recorded failure", r)
	}
	if got := countItems(t, env, alpha); got != 1 {
		t.Errorf("alpha has %d items, want 1: the failed attempt's item must be rolled back", got)
	}
}

// The welcome job reads the user through the tenant's transaction: beta's
// owner's id gets beta's owner, although alpha's owner has the same id in
// alpha's schema (each schema numbers its users from 1).
func TestWelcomeReadsTheUserOfItsTenant(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	alpha := env.CreateTenant(t, "alpha")
	beta := env.CreateTenant(t, "beta")
	ownerID := func(ten *tenantry.Tenant) int64 {
		var id int64
		err := env.DB.InTenant(ctx, ten, func(tx *tenantdb.Tx) error {
			return tx.QueryRow(ctx, "SELECT id FROM users WHERE username = 'owner'").Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	box := &outbox{}
	j := start(t, env, jobs.Config{Mailer: box})
	inTx(t, env, func(tx pgx.Tx) error {
		return j.EnqueueWelcome(ctx, tx, beta.ID, ownerID(beta), "https://beta.example.com/")
	})
	if r := waitFinal(t, env, jobs.KindWelcome, beta.ID); r.State != "completed" {
		t.Fatalf("welcome job = %+v, want completed", r)
	}
	_, sent, tenants := box.snapshot()
	if len(sent) != 1 || len(sent[0].To) != 1 || sent[0].To[0] != "owner@beta.test" ||
		!strings.Contains(sent[0].Text, "https://beta.example.com/") || !strings.Contains(sent[0].Subject, "Tenant beta") {
		t.Fatalf("sent %+v; want one welcome to owner@beta.test with beta's URL", sent)
	}
	if tenants[0] != "beta" {
		t.Errorf("the mail was sent with tenant %q in the context, want beta", tenants[0])
	}
	inTx(t, env, func(tx pgx.Tx) error { return j.EnqueueWelcome(ctx, tx, alpha.ID, 999999, "https://alpha.test/") })
	if r := waitFinal(t, env, jobs.KindWelcome, alpha.ID); r.State != "cancelled" || !strings.Contains(r.Errors, "user not found") {
		t.Errorf("welcome of a missing user = %+v, want cancelled", r)
	}
}
