package provision

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
)

// purgeBatch bounds how many tenants one PurgeDue looks at.
const purgeBatch = 100

// dueSQL lists the tenants whose purge is due: terminated ones past their
// date, and purges that stopped part way (deleting, with a date).
const dueSQL = `SELECT id FROM public.tenants
	WHERE purge_after <= now() AND status IN ('terminated', 'deleting')
	ORDER BY purge_after, id LIMIT $1`

// ErrNotDue: the tenant is no longer terminated, or its purge date has not
// come (it was activated, or terminated again, meanwhile).
var ErrNotDue = errors.New("tenant is not due for purging")

// Purged is what PurgeDue did to one tenant.
type Purged struct {
	Tenant *tenantry.Tenant
	Err    error // nil: deleted
}

// PurgeDue deletes, with Delete's bounded steps, each terminated tenant
// whose purge date (Tenant.PurgeAfter, set by the termination) has passed,
// and finishes purges that stopped part way; at most 100 tenants a call.
// Each tenant is checked again under its row lock, so one activated
// meanwhile is left alone. A failed tenant does not stop the others; the
// error is non-nil only when the due tenants could not be listed.
func (p *Provisioner) PurgeDue(ctx context.Context) ([]Purged, error) {
	rows, err := p.pool.Query(ctx, dueSQL, purgeBatch)
	if err != nil {
		return nil, fmt.Errorf("list tenants due for purging: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("list tenants due for purging: %w", err)
	}
	var out []Purged
	for _, id := range ids {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		t, err := p.deleteIf(ctx, strconv.FormatInt(id, 10), due)
		if errors.Is(err, ErrNotDue) || errors.Is(err, tenantry.ErrTenantNotFound) {
			continue // activated, or deleted by someone else, meanwhile
		}
		if err != nil {
			p.logger.Error("purge tenant", "tenant_id", id, "err", err)
		}
		if t == nil {
			t = &tenantry.Tenant{ID: id}
		}
		out = append(out, Purged{Tenant: t, Err: err})
	}
	return out, nil
}

// Purge is PurgeDue for the periodic purge job: the count of
// tenants deleted, and the first failure.
func (p *Provisioner) Purge(ctx context.Context) (int, error) {
	res, err := p.PurgeDue(ctx)
	n := 0
	for _, r := range res {
		if r.Err == nil {
			n++
		} else if err == nil {
			err = r.Err
		}
	}
	return n, err
}

// due accepts a terminated tenant whose purge date has passed.
func due(t *tenantry.Tenant) error {
	if t.Status != tenantry.StatusTerminated || t.PurgeAfter == nil || t.PurgeAfter.After(time.Now()) {
		return fmt.Errorf("purge tenant %s: %w", t.Slug, ErrNotDue)
	}
	return nil
}
