package provision_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenanttest"
)

// PurgeDue deletes terminated tenants past their date, finishes purges
// that stopped part way, and leaves every other tenant alone.
func TestPurgeDueDeletesOnlyTerminatedTenantsPastTheirDate(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	for _, slug := range []string{"due", "later", "active", "suspended", "halfway"} {
		env.CreateTenant(t, slug)
	}
	for _, slug := range []string{"due", "later", "halfway"} {
		if _, err := env.Registry.SetStatus(ctx, slug, tenantry.StatusTerminated); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.Registry.SetStatus(ctx, "suspended", tenantry.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"UPDATE public.tenants SET purge_after = now() - interval '1 hour' WHERE slug IN ('due', 'active', 'suspended', 'halfway')",
		"UPDATE public.tenants SET status = 'deleting' WHERE slug = 'halfway'",
	} {
		if _, err := env.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	res, err := env.Provisioner.PurgeDue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	purged := map[string]bool{}
	for _, r := range res {
		if r.Err != nil {
			t.Errorf("purge %s: %v", r.Tenant.Slug, r.Err)
		}
		purged[r.Tenant.Slug] = true
	}
	if len(purged) != 2 || !purged["due"] || !purged["halfway"] {
		t.Errorf("purged %v, want due and halfway", purged)
	}
	for _, slug := range []string{"due", "halfway"} {
		if _, err := env.Registry.Find(ctx, slug); !errors.Is(err, tenantry.ErrTenantNotFound) {
			t.Errorf("%s after the purge: %v, want not found", slug, err)
		}
	}
	for _, slug := range []string{"later", "active", "suspended"} {
		if _, err := env.Registry.Find(ctx, slug); err != nil {
			t.Errorf("%s after the purge: %v, want kept", slug, err)
		}
	}
	if n, err := env.Provisioner.Purge(ctx); err != nil || n != 0 {
		t.Errorf("a second purge = %d, %v; want nothing to do", n, err)
	}
}

// Activating a terminated tenant cancels its purge.
func TestActivatedTenantIsNotPurged(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	env.CreateTenant(t, "acme")
	ten, err := env.Registry.SetStatus(ctx, "acme", tenantry.StatusTerminated)
	if err != nil || ten.PurgeAfter == nil {
		t.Fatalf("terminate = %+v, %v; want a purge date", ten, err)
	}
	if ten, err = env.Registry.SetStatus(ctx, "acme", tenantry.StatusActive); err != nil || ten.PurgeAfter != nil {
		t.Fatalf("activate = %+v, %v; want no purge date", ten, err)
	}
	if _, err := env.Pool.Exec(ctx, "UPDATE public.tenants SET purge_after = now() - interval '1 day' WHERE slug = 'acme'"); err != nil {
		t.Fatal(err)
	}
	if res, err := env.Provisioner.PurgeDue(ctx); err != nil || len(res) != 0 {
		t.Errorf("PurgeDue = %v, %v; want an active tenant left alone", res, err)
	}
}
