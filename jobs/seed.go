package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenantdb"
)

// SeedFunc fills a new tenant with its first data, inside the tenant's
// transaction tx: unqualified names resolve to the tenant's schema. Hooks
// run at least once, so they must be idempotent (INSERT ... ON CONFLICT DO
// NOTHING, or a check first). An error rolls back every hook's work and the
// job is retried. The transaction holds a connection: hooks do database
// work only and wait on nothing else (mail, HTTP); a hook that needs to is
// an application job of its own (AppWorker, InTenant).
type SeedFunc func(ctx context.Context, tx *tenantdb.Tx, t *tenantry.Tenant) error

type seedWorker struct {
	river.WorkerDefaults[SeedArgs]
	seeds   []SeedFunc
	timeout time.Duration
}

// Work runs every hook, in order, in one tenant transaction.
func (w *seedWorker) Work(ctx context.Context, job *river.Job[SeedArgs]) error {
	return InTenant(ctx, func(tx *tenantdb.Tx) error {
		for i, seed := range w.seeds {
			if err := seed(ctx, tx, tx.Tenant); err != nil {
				return fmt.Errorf("seed tenant %s: hook %d of %d: %w", tx.Tenant, i+1, len(w.seeds), err)
			}
		}
		return nil
	})
}

// Timeout returns Timeouts.Seed.
func (w *seedWorker) Timeout(*river.Job[SeedArgs]) time.Duration { return w.timeout }
