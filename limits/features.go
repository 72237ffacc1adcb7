package limits

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/registry"
)

// SetTenantFeatures changes the tenant's own feature flags, which override
// its plan's: a true or false value sets the flag, nil removes it (the plan
// decides again). Other keys of the tenant's features are kept. It returns
// the tenant as it now is; feature names are checked as a plan's. The
// change is recorded in the audit log and reaches running servers through
// the registry's notifications.
func SetTenantFeatures(ctx context.Context, db DB, ref string, changes map[string]*bool) (*tenantry.Tenant, error) {
	set, unset := map[string]bool{}, []string{}
	for _, name := range slices.Sorted(maps.Keys(changes)) {
		if !featureName.MatchString(name) {
			return nil, invalid("features", name, "a feature is 1 to 64 lower-case letters, digits, _ . or -, starting with a letter")
		}
		if v := changes[name]; v != nil {
			set[name] = *v
		} else {
			unset = append(unset, name)
		}
	}
	if len(changes) > MaxFeatures {
		return nil, invalid("features", "", fmt.Sprintf("at most %d changes at once", MaxFeatures))
	}
	add, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	var out *tenantry.Tenant
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		t, err := registry.FindForUpdate(ctx, tx, ref)
		if err != nil {
			return err
		}
		if t.Deleting() {
			return fmt.Errorf("tenant %s: %w", t.Slug, tenantry.ErrTenantDeleting)
		}
		if _, err := tx.Exec(ctx, `UPDATE public.tenants SET features = (features - $2::text[]) || $3::jsonb, updated_at = now()
			WHERE id = $1`, t.ID, unset, string(add)); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Event{TenantID: t.ID, Action: "tenant.features_changed", Target: t.Slug,
			Details: map[string]any{"set": set, "removed": unset}}); err != nil {
			return err
		}
		out, err = registry.Find(ctx, tx, strconv.FormatInt(t.ID, 10))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set features of tenant %q: %w", ref, err)
	}
	return out, nil
}
