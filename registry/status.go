package registry

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
)

// setStatusSQL changes a tenant's status unless it has it already (then it
// returns no row), and sets or clears the date of its purge: $3 after now
// when terminated, none otherwise.
const setStatusSQL = `UPDATE public.tenants SET status = $2, updated_at = now(),
	purge_after = CASE WHEN $2 = 'terminated' THEN now() + make_interval(secs => $3) END
	WHERE id = $1 AND status IS DISTINCT FROM $2 RETURNING purge_after`

// statusVerb names the audit action of a change to each status.
var statusVerb = map[tenantry.Status]string{
	tenantry.StatusActive: "activated", tenantry.StatusSuspended: "suspended", tenantry.StatusTerminated: "terminated",
}

// SetStatus sets the status of the tenant named by ref (slug, schema, domain
// or id) and returns it as it now is. The change is announced to every
// listening registry by the table's trigger. Setting the status a tenant
// already has is not an error. Terminating a tenant schedules the purge of
// its data Config.PurgeAfter later (Tenant.PurgeAfter); any other status
// cancels it. A change is recorded in the audit log, with
// the context's actor (audit.WithActor). A tenant being deleted keeps its
// status: the error then wraps tenantry.ErrTenantDeleting. Only
// provision.Delete sets the status deleting; asking for it here is a
// *tenantry.ValidationError.
func (r *Registry) SetStatus(ctx context.Context, ref string, st tenantry.Status) (*tenantry.Tenant, error) {
	if !st.Settable() {
		return nil, &tenantry.ValidationError{Field: "status", Value: string(st), Reason: "must be active, suspended or terminated"}
	}
	var out *tenantry.Tenant
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		t, err := FindForUpdate(ctx, tx, ref)
		if err != nil {
			return err
		}
		if t.Deleting() {
			return fmt.Errorf("set status of tenant %s: %w", t.Slug, tenantry.ErrTenantDeleting)
		}
		var purge *time.Time
		err = tx.QueryRow(ctx, setStatusSQL, t.ID, st, r.cfg.PurgeAfter.Seconds()).Scan(&purge)
		if err == nil {
			details := map[string]any{"from": t.Status, "to": st}
			if purge != nil {
				details["purge_after"] = purge
			}
			err = audit.Record(ctx, tx, audit.Event{TenantID: t.ID, Action: "tenant." + statusVerb[st], Target: t.Slug,
				Details: details})
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) { // no rows: the tenant had that status already
			return fmt.Errorf("set status of tenant %s: %w", t.Slug, err)
		}
		// By id: the schema name may also be another tenant's slug.
		out, err = Find(ctx, tx, strconv.FormatInt(t.ID, 10))
		return err
	})
	if err != nil {
		return nil, err
	}
	r.Invalidate(out.ID)
	return out, nil
}

// FindForUpdate is Find followed by a lock on the tenant's row (FOR
// UPDATE), held until tx ends: the tenant returned has the status and purge
// date the row keeps until then. Status changes and deletes take this lock, so they take
// turns. The error wraps tenantry.ErrTenantNotFound when nothing matches.
func FindForUpdate(ctx context.Context, tx pgx.Tx, ref string) (*tenantry.Tenant, error) {
	t, err := Find(ctx, tx, ref)
	if err != nil {
		return nil, err
	}
	err = tx.QueryRow(ctx, "SELECT status, purge_after FROM public.tenants WHERE id = $1 FOR UPDATE", t.ID).
		Scan(&t.Status, &t.PurgeAfter)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("find tenant %q: %w", ref, tenantry.ErrTenantNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("lock tenant %s: %w", t.Slug, err)
	}
	return t, nil
}
