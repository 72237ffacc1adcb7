package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
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

// refillDefault is Config.RefillEvery's default.
const refillDefault = time.Minute

// refillPeriodically enqueues a refill every interval, and once when the
// client starts (on the leader of the clients sharing the database).
func refillPeriodically(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return RefillArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
