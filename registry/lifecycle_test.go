package registry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenanttest"
)

// waitForMaintenance waits until r sees host's tenant in maintenance (or
// not), at most until deadline.
func waitForMaintenance(t *testing.T, r *registry.Registry, host string, on bool, deadline time.Time) {
	t.Helper()
	waitUntil(t, time.Until(deadline), "maintenance is seen", func() bool {
		got, err := r.Lookup(context.Background(), host)
		return err == nil && got.Maintenance == on
	})
}

func TestMaintenanceAndTerminationAreSeenByAnotherProcessWithinASecond(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	b := otherProcess(t, env, env.URL)
	lookup(t, b, "acme.test")
	ctx := context.Background()
	if _, err := env.Registry.SetMaintenance(ctx, "acme", true); err != nil {
		t.Fatal(err)
	}
	waitForMaintenance(t, b, "acme.test", true, time.Now().Add(seenWithin))
	if _, err := env.Registry.SetMaintenance(ctx, "acme", false); err != nil {
		t.Fatal(err)
	}
	waitForMaintenance(t, b, "acme.test", false, time.Now().Add(seenWithin))
	if _, err := env.Registry.SetStatus(ctx, "acme", tenantry.StatusTerminated); err != nil {
		t.Fatal(err)
	}
	waitForStatus(t, b, "acme.test", tenantry.StatusTerminated, time.Now().Add(seenWithin))
}

func TestTerminationSchedulesThePurgeAndActivationCancelsIt(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	ctx := context.Background()
	r := registry.New(env.Pool, &registry.Config{PurgeAfter: 48 * time.Hour})
	before := time.Now()
	ten, err := r.SetStatus(ctx, "acme", tenantry.StatusTerminated)
	if err != nil || ten.PurgeAfter == nil || ten.PurgeAfter.Before(before.Add(47*time.Hour)) || ten.PurgeAfter.After(time.Now().Add(49*time.Hour)) {
		t.Fatalf("terminate = %+v, %v; want a purge date 48 hours on", ten, err)
	}
	first := *ten.PurgeAfter
	if ten, err = r.SetStatus(ctx, "acme", tenantry.StatusTerminated); err != nil || !ten.PurgeAfter.Equal(first) {
		t.Errorf("terminating again = %v, %v; want the first date kept", ten.PurgeAfter, err)
	}
	for _, st := range []tenantry.Status{tenantry.StatusSuspended, tenantry.StatusActive} {
		if _, err := r.SetStatus(ctx, "acme", tenantry.StatusTerminated); err != nil {
			t.Fatal(err)
		}
		if ten, err = r.SetStatus(ctx, "acme", st); err != nil || ten.PurgeAfter != nil {
			t.Errorf("%s after terminated = %v, %v; want no purge date", st, ten.PurgeAfter, err)
		}
	}
	if _, err := env.Pool.Exec(ctx, "UPDATE public.tenants SET status = 'deleting' WHERE slug = 'acme'"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetMaintenance(ctx, "acme", true); !errors.Is(err, tenantry.ErrTenantDeleting) {
		t.Errorf("maintenance of a deleting tenant = %v, want ErrTenantDeleting", err)
	}
}
