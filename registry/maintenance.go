package registry

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
)

// setMaintenanceSQL puts a tenant in maintenance for an operator ($2 true)
// or takes it out, whoever put it in.
const setMaintenanceSQL = `UPDATE public.tenants
	SET maintenance = CASE WHEN $2 THEN 'operator' END, updated_at = now()
	WHERE id = $1 AND maintenance IS DISTINCT FROM CASE WHEN $2 THEN 'operator' END`

// SetMaintenance puts the tenant named by ref in maintenance (on) or takes
// it out, and returns it as it now is: while in maintenance its hosts
// answer 503 with Retry-After, whatever its status. Turning it off also
// ends a maintenance begun by "migrate --maintenance". The change is
// announced by the table's trigger and recorded in the audit log. A tenant
// being deleted is refused (tenantry.ErrTenantDeleting).
func (r *Registry) SetMaintenance(ctx context.Context, ref string, on bool) (*tenantry.Tenant, error) {
	var out *tenantry.Tenant
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		t, err := FindForUpdate(ctx, tx, ref)
		if err != nil {
			return err
		}
		if t.Deleting() {
			return fmt.Errorf("set maintenance of tenant %s: %w", t.Slug, tenantry.ErrTenantDeleting)
		}
		tag, err := tx.Exec(ctx, setMaintenanceSQL, t.ID, on)
		if err != nil {
			return fmt.Errorf("set maintenance of tenant %s: %w", t.Slug, err)
		}
		if tag.RowsAffected() > 0 {
			action := map[bool]string{true: "tenant.maintenance_on", false: "tenant.maintenance_off"}[on]
			if err := audit.Record(ctx, tx, audit.Event{TenantID: t.ID, Action: action, Target: t.Slug}); err != nil {
				return err
			}
		}
		out, err = Find(ctx, tx, strconv.FormatInt(t.ID, 10))
		return err
	})
	if err != nil {
		return nil, err
	}
	r.Invalidate(out.ID)
	return out, nil
}
