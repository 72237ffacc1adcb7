package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// KindPurge is the kind of the periodic purge of terminated tenants.
const KindPurge = "tenantry.purge"

// Purger deletes the terminated tenants whose purge date has passed and
// says how many it deleted; the provisioner is one (Provisioner.Purge).
type Purger interface {
	Purge(ctx context.Context) (int, error)
}

// PurgeArgs purges the terminated tenants whose purge date has passed
// (Config.Purger), with the bounded delete. A purge that stops part way
// (its timeout, Timeouts.Refill, or a failure) is finished by the next.
type PurgeArgs struct{}

// Kind returns KindPurge.
func (PurgeArgs) Kind() string { return KindPurge }

// InsertOpts makes one purge wait at a time, and tries it 3 times.
func (PurgeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}
}

// purgeDefault is Config.PurgeEvery's default.
const purgeDefault = time.Hour

type purgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	purger  Purger
	logger  *slog.Logger
	timeout time.Duration
}

// Work purges what is due.
func (w *purgeWorker) Work(ctx context.Context, job *river.Job[PurgeArgs]) error {
	n, err := w.purger.Purge(ctx)
	if n > 0 {
		w.logger.InfoContext(ctx, "terminated tenants purged", "job_id", job.ID, "purged", n)
	}
	if err != nil {
		return fmt.Errorf("purge terminated tenants: %w", err)
	}
	return nil
}

// Timeout returns Timeouts.Refill: purges, like refills, are schema work
// that resumes where it stopped.
func (w *purgeWorker) Timeout(*river.Job[PurgeArgs]) time.Duration { return w.timeout }

// purgePeriodically enqueues a purge every interval, and once when the
// client starts.
func purgePeriodically(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
