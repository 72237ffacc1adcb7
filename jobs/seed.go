package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenantdb"
)

// SeedFunc fills a new tenant with its first data, inside the tenant's
// transaction tx: unqualified names resolve to the tenant's schema. Hooks
// run at least once, so they must be idempotent (INSERT ... ON CONFLICT DO
// NOTHING, or a check first). An error rolls back every hook's work and the
// job is retried.
type SeedFunc func(ctx context.Context, tx *tenantdb.Tx, t *tenantry.Tenant) error

type seedWorker struct {
	river.WorkerDefaults[SeedArgs]
	seeds []SeedFunc
}

// Work runs every hook, in order, in the tenant's transaction.
func (w *seedWorker) Work(ctx context.Context, job *river.Job[SeedArgs]) error {
	t, tx, err := scope(ctx)
	if err != nil {
		return fmt.Errorf("seed tenant #%d: %w", job.Args.TenantID, err)
	}
	for i, seed := range w.seeds {
		if err := seed(ctx, tx, t); err != nil {
			return fmt.Errorf("seed tenant %s: hook %d of %d: %w", t, i+1, len(w.seeds), err)
		}
	}
	return nil
}
