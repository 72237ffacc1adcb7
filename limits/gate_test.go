package limits_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// gated is a pool of size connections with a gate in front of it.
func gated(t *testing.T, env *tenanttest.Env, size int32, cfg *limits.GateConfig) (*pgxpool.Pool, *tenantdb.DB, *limits.Gate) {
	t.Helper()
	pcfg, err := pgxpool.ParseConfig(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	pcfg.MaxConns = size
	pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	gate := limits.NewGate(limits.NewPlans(env.Pool, nil), cfg)
	return pool, tenantdb.New(pool, &tenantdb.Config{Limiter: gate}), gate
}

// TestNoisyTenantCannotHoldThePool: one tenant runs slow transactions on
// every connection it may take, and more besides; another tenant is still
// served meanwhile, and the noisy tenant's extra transactions are refused
// with a BusyError after waiting, never holding more than their cap.
func TestNoisyTenantCannotHoldThePool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	noisy, quiet := env.CreateTenant(t, "noisy"), env.CreateTenant(t, "quiet")
	savePlan(t, env, limits.Plan{Name: "small", MaxTransactions: 3})
	assign(t, env, "noisy", "small")
	noisy, _ = env.Registry.Find(ctx, "noisy")
	pool, db, gate := gated(t, env, 4, &limits.GateConfig{Wait: 50 * time.Millisecond})

	// The slow requests wait on an advisory lock the test holds: as slow as
	// the test wants, without timing.
	blocker, err := env.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Release()
	if _, err := blocker.Exec(ctx, "SELECT pg_advisory_lock(4242)"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() {
			errs <- db.InTenant(ctx, noisy, func(tx *tenantdb.Tx) error {
				_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(4242)")
				return err
			})
		})
	}
	// Seven of the ten are refused once they have waited; three hold
	// connections until the lock is released.
	for range 7 {
		err := <-errs
		var busy *limits.BusyError
		if !errors.As(err, &busy) || busy.Max != 3 || !errors.Is(err, limits.ErrLimited) {
			t.Fatalf("noisy transaction over its cap: %v, want a BusyError", err)
		}
	}
	if n := gate.Busy(noisy.ID); n != 3 {
		t.Errorf("noisy tenant holds %d transactions, want 3", n)
	}
	// The admitted three are waiting on the lock, each on a connection
	// (once connected: the pool dials them meanwhile).
	waitFor(t, func() bool { return waiting(t, env, 4242) == 3 })
	if s := pool.Stat(); s.AcquiredConns() != 3 {
		t.Errorf("%d connections acquired, want the noisy tenant's 3", s.AcquiredConns())
	}
	var got string
	if err := db.InTenant(ctx, quiet, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(ctx, "SELECT current_setting('tenantry.tenant_id')").Scan(&got)
	}); err != nil || got != itoa(quiet.ID) {
		t.Fatalf("quiet tenant while the noisy one is busy: %q, %v", got, err)
	}
	if _, err := blocker.Exec(ctx, "SELECT pg_advisory_unlock(4242)"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a noisy transaction admitted: %v", err)
		}
	}
	if n := gate.Busy(noisy.ID); n != 0 {
		t.Errorf("%d slots still taken after every transaction ended", n)
	}
}

// TestShareCapsATenantWithoutAPlanLimit: the gate's share bounds every
// tenant, whatever its plan.
func TestShareCapsATenantWithoutAPlanLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	ten := env.CreateTenant(t, "acme")
	_, db, _ := gated(t, env, 3, &limits.GateConfig{Share: 1, Wait: time.Millisecond})
	err := db.InTenant(ctx, ten, func(*tenantdb.Tx) error {
		inner := db.InTenant(ctx, ten, func(*tenantdb.Tx) error { return nil })
		var busy *limits.BusyError
		if !errors.As(inner, &busy) || busy.Max != 1 {
			t.Errorf("second transaction under share 1: %v", inner)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStatementTimeoutOfThePlanIsSetInTheTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	slow, other := env.CreateTenant(t, "slow"), env.CreateTenant(t, "other")
	savePlan(t, env, limits.Plan{Name: "strict", StatementTimeout: 20 * time.Millisecond})
	assign(t, env, "slow", "strict")
	slow, _ = env.Registry.Find(ctx, "slow")
	pool, db, _ := gated(t, env, 1, nil)

	show := func(ten *tenantry.Tenant) string {
		var v string
		if err := db.InTenant(ctx, ten, func(tx *tenantdb.Tx) error {
			return tx.QueryRow(ctx, "SHOW statement_timeout").Scan(&v)
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := show(slow); v != "20ms" {
		t.Errorf("statement_timeout in the strict tenant's transaction = %q", v)
	}
	if v := show(other); v != "0" {
		t.Errorf("statement_timeout in another tenant's transaction on the same connection = %q", v)
	}
	var after string
	if err := pool.QueryRow(ctx, "SHOW statement_timeout").Scan(&after); err != nil || after != "0" {
		t.Errorf("statement_timeout left on the connection = %q, %v", after, err)
	}
	err := db.InTenant(ctx, slow, func(tx *tenantdb.Tx) error {
		_, err := tx.Exec(ctx, "SELECT pg_sleep(30)")
		return err
	})
	if code := pgCode(err); code != "57014" {
		t.Errorf("a statement past the plan's timeout: %v, want SQLSTATE 57014", err)
	}
}
