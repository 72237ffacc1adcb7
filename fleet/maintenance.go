package fleet

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The SQL of Options.Maintenance. A tenant is put in maintenance for the
// migration only if no one else put it there ('operator'), and taken out
// only if the migration put it there.
const (
	enterMaintenanceSQL = `UPDATE public.tenants SET maintenance = 'migration'
		WHERE schema_name = $1 AND coalesce(maintenance, 'migration') = 'migration' AND status <> 'deleting'
		RETURNING true`
	leaveMaintenanceSQL = `UPDATE public.tenants SET maintenance = NULL
		WHERE schema_name = ANY($1) AND maintenance = 'migration'`
)

// migrateInMaintenance migrates a tenant's schema while the tenant is in
// maintenance: its hosts answer 503 with Retry-After from just before its
// migration begins (the change committed and announced to every server)
// until just after it ends, whatever the outcome. Other schemas are
// migrated as they are.
func (f *Fleet) migrateInMaintenance(ctx context.Context, s Schema, dry bool) Result {
	if dry || s.Kind != KindDynamic {
		return f.migrateOne(ctx, s, dry)
	}
	var entered bool
	err := f.pool.QueryRow(ctx, enterMaintenanceSQL, s.Name).Scan(&entered)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		res := Result{Schema: s.Name, Kind: s.Kind}
		f.fail(ctx, s, &res, fmt.Errorf("put tenant of %s in maintenance: %w", s.Name, err), dry)
		return res
	}
	res := f.migrateOne(ctx, s, dry)
	if entered {
		f.leaveMaintenance(context.WithoutCancel(ctx), []string{s.Name})
	}
	return res
}

// leaveMaintenance takes the tenants of schemas out of the maintenance a
// migration put them in. A run that was killed may have left one there:
// the next run with Options.Maintenance clears it on the schemas it finds
// current.
func (f *Fleet) leaveMaintenance(ctx context.Context, schemas []string) {
	if len(schemas) == 0 {
		return
	}
	if _, err := f.pool.Exec(ctx, leaveMaintenanceSQL, schemas); err != nil {
		f.cfg.Logger.Error("take tenants out of maintenance", "schemas", len(schemas), "err", err)
	}
}
