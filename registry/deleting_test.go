package registry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenanttest"
)

// Only provision.Delete makes a tenant deleting, and nothing but finishing
// the delete changes it.
func TestSetStatusLeavesADeletingTenantAlone(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	acme := env.CreateTenant(t, "acme")
	ctx := context.Background()
	var ve *tenantry.ValidationError
	if _, err := env.Registry.SetStatus(ctx, "acme", tenantry.StatusDeleting); !errors.As(err, &ve) || ve.Field != "status" {
		t.Errorf("SetStatus(deleting) = %v, want a *ValidationError for status", err)
	}
	exec(t, env, "UPDATE public.tenants SET status = 'deleting' WHERE id = $1", acme.ID)
	for _, st := range []tenantry.Status{tenantry.StatusActive, tenantry.StatusSuspended, tenantry.StatusTerminated} {
		if _, err := env.Registry.SetStatus(ctx, "acme", st); !errors.Is(err, tenantry.ErrTenantDeleting) {
			t.Errorf("SetStatus(deleting tenant, %s) = %v, want ErrTenantDeleting", st, err)
		}
	}
	if got, err := env.Registry.Find(ctx, "acme"); err != nil || got.Status != tenantry.StatusDeleting {
		t.Errorf("after refused changes acme = %v, %v; want deleting", got, err)
	}
}

// The first step of a delete reaches other processes' caches as a
// suspension does: by notification.
func TestDeletingTenantIsSeenByAnotherProcess(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	b := otherProcess(t, env, env.URL)
	lookup(t, b, "acme.test")
	ctx, cancel := context.WithCancel(context.Background())
	p := provision.New(env.Pool, &provision.Config{DeleteLocks: 1,
		OnDeleteStep: func(*tenantry.Tenant, int, int) { cancel() }})
	if _, err := p.Delete(ctx, "acme"); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Delete = %v, want context.Canceled", err)
	}
	waitForStatus(t, b, "acme.test", tenantry.StatusDeleting, time.Now().Add(seenWithin))
}
