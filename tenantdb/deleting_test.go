package tenantdb_test

import (
	"context"
	"errors"
	"testing"

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
