package provision

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
)

// Delete removes the tenant named by ref (slug, schema, domain or id): its
// registry row and domains, its schema with all its data, its role and its
// fleet-summary row, in one transaction. The error wraps
// tenantry.ErrTenantNotFound when there is no such tenant.
func (p *Provisioner) Delete(ctx context.Context, ref string) (*tenantry.Tenant, error) {
	var t *tenantry.Tenant
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		var err error
		if t, err = registry.Find(ctx, tx, ref); err != nil {
			return err
		}
		// A concurrent delete of the same tenant waits here for the row
		// lock, then finds nothing left to delete.
		tag, err := tx.Exec(ctx, "DELETE FROM public.tenants WHERE id = $1", t.ID)
		if err != nil {
			return fmt.Errorf("delete tenant %s: %w", t.Slug, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("delete tenant %s: %w", t.Slug, tenantry.ErrTenantNotFound)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM public.tenantry_schema_state WHERE schema_name = $1", t.SchemaName); err != nil {
			return fmt.Errorf("forget schema state of %s: %w", t.SchemaName, err)
		}
		if err := audit.Record(ctx, tx, audit.Event{TenantID: t.ID, Action: audit.TenantDeleted, Target: t.Slug,
			Details: map[string]any{"schema": t.SchemaName, "domains": t.Domains}}); err != nil {
			return err
		}
		return tenantdb.DropSchema(ctx, tx, t.SchemaName, t.RoleName)
	})
	if err != nil {
		return nil, err
	}
	p.logger.Info("tenant deleted", "tenant", t.Slug, "schema", t.SchemaName)
	return t, nil
}
