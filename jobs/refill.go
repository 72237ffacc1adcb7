package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tenantry/tenantry/migrations"
)

// Refiller tops up a pool of spare tenant schemas and says how many it
// made; the provisioner is one.
type Refiller interface {
	Refill(ctx context.Context) (int, error)
}

type refillWorker struct {
	river.WorkerDefaults[RefillArgs]
	refiller Refiller
	logger   *slog.Logger
	timeout  time.Duration
}

// Work refills the spare pool.
func (w *refillWorker) Work(ctx context.Context, job *river.Job[RefillArgs]) error {
	n, err := w.refiller.Refill(ctx)
	if err != nil {
		return fmt.Errorf("refill spare schemas: %w", err)
	}
	if n > 0 {
		w.logger.InfoContext(ctx, "spare schemas refilled", "job_id", job.ID, "made", n)
	}
	return nil
}

// Timeout returns Timeouts.Refill.
func (w *refillWorker) Timeout(*river.Job[RefillArgs]) time.Duration { return w.timeout }

// refillWaitingSQL says whether a refill job waits to run. River's own
// uniqueness cannot leave running jobs out.
var refillWaitingSQL = `SELECT EXISTS (SELECT FROM ` +
	pgx.Identifier{migrations.RiverSchema, "river_job"}.Sanitize() +
	` WHERE kind = $1 AND state IN ('available', 'pending', 'retryable', 'scheduled'))`

// refillWaiting reports, within tx, whether a refill job waits to run.
func refillWaiting(ctx context.Context, tx pgx.Tx) (bool, error) {
	var waiting bool
	if err := tx.QueryRow(ctx, refillWaitingSQL, KindRefill).Scan(&waiting); err != nil {
		return false, fmt.Errorf("enqueue %s job: look for one waiting: %w", KindRefill, err)
	}
	return waiting, nil
}

// refillDefault is Config.RefillEvery's default.
const refillDefault = time.Minute

// refillPeriodically enqueues a refill every interval, and once when the
// client starts (on the leader of the clients sharing the database).
func refillPeriodically(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return RefillArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
