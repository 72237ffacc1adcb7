package provision

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
)

// Delete removes the tenant named by ref (slug, schema, domain or id): its
// registry row and domains, its schema with all its data, its role and its
// fleet-summary row. It works in steps, each a transaction of its own, so
// that none needs more of PostgreSQL's lock table than a backend's share
// (max_locks_per_transaction), whatever the number of tables:
//
//  1. the tenant's status becomes deleting (tenantry.StatusDeleting), which
//     the registry announces: from then on its hosts answer 404, its jobs
//     are cancelled and its tenant transactions refused;
//  2. its schema's objects are dropped a few at a time (see
//     Config.DeleteLocks), each step first waiting for the tenant
//     transactions that began before step 1;
//  3. the schema, with what is left in it, the role and the registry rows
//     go in one last transaction, which records tenant.deleted in the audit
//     log.
//
// A Delete that stops part way (an error, a cancelled ctx, a crash) leaves
// the tenant deleting; Delete on it again finishes the work. Concurrent
// deletes of one tenant share the work, and all but one then return an
// error wrapping tenantry.ErrTenantNotFound, as does a delete of a tenant
// that does not exist. The tenant returned is as step 3 found it.
func (p *Provisioner) Delete(ctx context.Context, ref string) (*tenantry.Tenant, error) {
	return p.deleteIf(ctx, ref, nil)
}

// deleteIf is Delete, begun only if allow, called under the tenant's row
// lock, accepts the tenant as it is then; a tenant already deleting is
// finished whatever allow says.
func (p *Provisioner) deleteIf(ctx context.Context, ref string, allow func(*tenantry.Tenant) error) (*tenantry.Tenant, error) {
	t, err := p.markDeleting(ctx, ref, allow)
	if err != nil {
		return nil, err
	}
	if err := p.dropObjects(ctx, t); err != nil {
		return nil, fmt.Errorf("delete tenant %s, left deleting (delete it again to finish): %w", t.Slug, err)
	}
	err = p.finishDelete(ctx, t)
	if errors.Is(err, tenantry.ErrTenantNotFound) { // a concurrent delete finished it
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("delete tenant %s, left deleting (delete it again to finish): %w", t.Slug, err)
	}
	p.logger.Info("tenant deleted", "tenant", t.Slug, "schema", t.SchemaName)
	return t, nil
}

// markDeleting is step 1: it sets the tenant's status to deleting, unless
// it is already, and returns the tenant. The status change and its audit
// record commit together; the registry's trigger announces the change.
func (p *Provisioner) markDeleting(ctx context.Context, ref string, allow func(*tenantry.Tenant) error) (*tenantry.Tenant, error) {
	var t *tenantry.Tenant
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		var err error
		if t, err = registry.FindForUpdate(ctx, tx, ref); err != nil || t.Deleting() {
			return err
		}
		if allow != nil {
			if err := allow(t); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, markDeletingSQL, t.ID); err != nil {
			return fmt.Errorf("mark tenant %s deleting: %w", t.Slug, err)
		}
		from := t.Status
		t.Status = tenantry.StatusDeleting
		return audit.Record(ctx, tx, audit.Event{TenantID: t.ID, Action: audit.TenantDeleting, Target: t.Slug,
			Details: map[string]any{"schema": t.SchemaName, "from": from}})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// finishDelete is step 3: in one transaction, the schema with what is left
// in it (its migration ledger, and objects other than relations, types and
// routines), the role, the registry row with its domains, the fleet-summary
// row, and the audit record. Concurrent deletes take turns on the locks:
// the later ones find the row gone.
func (p *Provisioner) finishDelete(ctx context.Context, t *tenantry.Tenant) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		// The advisory locks first, as in every step, then the row: a tenant
		// transaction still in progress may be waiting for the row (a
		// foreign key to it), never for these locks.
		if err := lockForDrop(ctx, tx, t); err != nil {
			return err
		}
		cur, err := registry.FindForUpdate(ctx, tx, strconv.FormatInt(t.ID, 10))
		if err != nil {
			return fmt.Errorf("delete tenant %s: %w", t.Slug, err)
		}
		*t = *cur
		if err := tenantdb.DropSchema(ctx, tx, t.SchemaName, t.RoleName); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM public.tenants WHERE id = $1", t.ID); err != nil {
			return fmt.Errorf("delete tenant %s: %w", t.Slug, err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM public.tenantry_schema_state WHERE schema_name = $1", t.SchemaName); err != nil {
			return fmt.Errorf("forget schema state of %s: %w", t.SchemaName, err)
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: t.ID, Action: audit.TenantDeleted, Target: t.Slug,
			Details: map[string]any{"schema": t.SchemaName, "domains": t.Domains}})
	})
}

// lockForDrop opens every transaction that drops part of t's schema: it
// takes the tenant's advisory lock exclusive, which waits for the tenant
// transactions in progress (later ones are refused: t is deleting), then
// the schema's migration lock, which waits for a migration in progress and
// keeps the next one out until tx ends.
func lockForDrop(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant) error {
	if _, err := tx.Exec(ctx, lockForDropSQL, t.ID, t.SchemaName, migrate.LockNamespace); err != nil {
		return fmt.Errorf("lock tenant %s for dropping: %w", t.Slug, err)
	}
	return nil
}
