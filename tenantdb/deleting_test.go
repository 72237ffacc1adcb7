package tenantdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenantdb"
)

// A tenant whose delete has begun, or that is gone, gets no transaction,
// whatever the caller's copy of it says; the connection is left clean.
func TestTransactionsOfADeletingOrDeletedTenantAreRefused(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	steps := []struct {
		name, sql string
	}{
		{"deleting", "UPDATE public.tenants SET status = 'deleting' WHERE id = $1"},
		{"deleted", "DELETE FROM public.tenants WHERE id = $1"},
	}
	for _, step := range steps {
		if _, err := f.env.Pool.Exec(ctx, step.sql, f.a.ID); err != nil {
			t.Fatal(err)
		}
		ran := false
		err := f.db.InTenant(ctx, f.a, func(*tenantdb.Tx) error { ran = true; return nil })
		if !errors.Is(err, tenantry.ErrTenantNotFound) || ran {
			t.Errorf("%s: InTenant = %v (fn ran: %v), want ErrTenantNotFound before fn", step.name, err, ran)
		}
		b := &pgx.Batch{}
		b.Queue("SELECT count(*) FROM items")
		if err := f.db.Pipeline(ctx, f.a, b); !errors.Is(err, tenantry.ErrTenantNotFound) {
			t.Errorf("%s: Pipeline = %v, want ErrTenantNotFound", step.name, err)
		}
		f.assertClean(t)
		if err := f.db.InTenant(ctx, f.b, func(*tenantdb.Tx) error { return nil }); err != nil {
			t.Errorf("%s: the other tenant's transaction on the same pool: %v", step.name, err)
		}
	}
}

// A delete step holds the tenant's lock exclusive. A tenant transaction
// begun meanwhile fails at once when the tenant is already marked
// deleting, rather than queueing behind the step; one of a tenant not
// marked waits for the lock and then checks again, so a mark committed
// while it waited is seen. (A lock granted at once is checked only after
// it, which TestTransactionsOfADeletingOrDeletedTenantAreRefused covers.)
func TestEnteringWhileADeleteStepHoldsTheLock(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	// hold takes tenant's lock as a delete step does, in a transaction
	// the caller ends.
	hold := func(tenant *tenantry.Tenant) pgx.Tx {
		t.Helper()
		tx, err := f.env.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tx.Rollback(ctx) })
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(public.tenantry_tenant_lock($1))", tenant.ID); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	enter := func(tenant *tenantry.Tenant) <-chan error {
		done := make(chan error, 1)
		go func() {
			// Bounded: a transaction that queued behind the step would
			// end here with the deadline instead of ErrTenantNotFound.
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			done <- f.db.InTenant(ctx, tenant, func(*tenantdb.Tx) error { return nil })
		}()
		return done
	}

	// Marked before: refused while the step still holds the lock.
	step := hold(f.a)
	if _, err := f.env.Pool.Exec(ctx, "UPDATE public.tenants SET status = 'deleting' WHERE id = $1", f.a.ID); err != nil {
		t.Fatal(err)
	}
	if err := <-enter(f.a); !errors.Is(err, tenantry.ErrTenantNotFound) {
		t.Errorf("entering a tenant marked deleting while a step holds its lock: %v, want ErrTenantNotFound at once", err)
	}
	if err := step.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	// Marked while waiting: the check after the lock sees it.
	step = hold(f.b)
	done := enter(f.b)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var waiting bool
		err := f.env.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory')`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the tenant transaction never waited for the step's lock")
		}
	}
	if _, err := step.Exec(ctx, "UPDATE public.tenants SET status = 'deleting' WHERE id = $1", f.b.ID); err != nil {
		t.Fatal(err)
	}
	if err := step.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, tenantry.ErrTenantNotFound) {
		t.Errorf("entering a tenant marked while it waited for the lock: %v, want ErrTenantNotFound", err)
	}
	f.assertClean(t)
}
