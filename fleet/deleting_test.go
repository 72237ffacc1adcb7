package fleet_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tenantry/tenantry/fleet"
)

// A tenant being deleted has a schema half dropped: no fleet run migrates
// it or runs SQL in it.
func TestSelectLeavesOutTenantsBeingDeleted(t *testing.T) {
	env := setup(t, "alpha", "beta")
	ctx := context.Background()
	if _, err := env.Pool.Exec(ctx, "UPDATE public.tenants SET status = 'deleting' WHERE slug = 'beta'"); err != nil {
		t.Fatal(err)
	}
	f := newFleet(t, env.Pool)
	got := selectSchemas(t, f, fleet.Selector{All: true})
	if want := []string{"public", static, "tenant_alpha"}; !slices.Equal(names(got), want) {
		t.Errorf("Select(all) = %v, want %v", names(got), want)
	}
	if _, err := f.Select(ctx, fleet.Selector{Schemas: []string{"beta"}}); !errors.Is(err, fleet.ErrUnknownSchema) {
		t.Errorf("Select(-s beta) = %v, want ErrUnknownSchema", err)
	}
}
