package jobs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/tenanttest"
)

// The periodic purge runs when the workers start and deletes the
// terminated tenants past their date, with the provisioner's bounded
// delete.
func TestPurgeRunsOnStartAndDeletesDueTenants(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	env.CreateTenant(t, "gone")
	env.CreateTenant(t, "kept")
	if _, err := env.Registry.SetStatus(ctx, "gone", tenantry.StatusTerminated); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, "UPDATE public.tenants SET purge_after = now() - interval '1 second' WHERE slug = 'gone'"); err != nil {
		t.Fatal(err)
	}
	start(t, env, jobs.Config{Purger: env.Provisioner})
	waitFor(t, "the due tenant is purged", func() bool {
		_, err := env.Registry.Find(ctx, "gone")
		return errors.Is(err, tenantry.ErrTenantNotFound)
	})
	if _, err := env.Registry.Find(ctx, "kept"); err != nil {
		t.Errorf("the active tenant after the purge: %v", err)
	}
}

func TestNegativePurgeEveryIsRefused(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	_, err := jobs.New(jobs.Config{Pool: env.Pool, DB: env.DB, Mailer: &outbox{}, Purger: env.Provisioner, PurgeEvery: -1})
	if err == nil {
		t.Error("jobs.New with a negative PurgeEvery succeeded")
	}
}
