package domains

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// KindVerify is the River kind of domain verification jobs.
const KindVerify = "tenantry.domain_verify"

// verifyAttempts is how often a pending domain is checked before its job
// gives up: with verifyBackoff, for about four days. "domain verify"
// starts again.
const verifyAttempts = 25

// VerifyArgs checks a pending domain (Service.Verify's check) until it is
// verified, removed, or the attempts run out. It is not a tenant job: it
// touches only public.domains.
type VerifyArgs struct {
	Domain string `json:"domain"`
}

// Kind returns KindVerify.
func (VerifyArgs) Kind() string { return KindVerify }

// InsertOpts makes one job per domain wait or run at a time.
func (VerifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: verifyAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// Worker works VerifyArgs jobs; register it with jobs.AppWorker.
type Worker struct {
	river.WorkerDefaults[VerifyArgs]
	s *Service
}

// NewWorker returns the worker of s's verification jobs.
func NewWorker(s *Service) *Worker { return &Worker{s: s} }

// Work checks the domain: it reads the row and lets the connection go,
// checks DNS and HTTP, then records what it found. A failed check is an
// error, so River tries again later; a domain verified or gone ends the
// job.
func (w *Worker) Work(ctx context.Context, job *river.Job[VerifyArgs]) error {
	d, err := get(ctx, w.s.pool, job.Args.Domain)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.Status == StatusVerified {
		return nil
	}
	_, err = w.s.check(ctx, d)
	return err
}

// Timeout bounds an attempt: the check's own timeout and a margin.
func (w *Worker) Timeout(*river.Job[VerifyArgs]) time.Duration {
	return w.s.cfg.CheckTimeout + 30*time.Second
}

// NextRetry is verifyBackoff after now.
func (w *Worker) NextRetry(job *river.Job[VerifyArgs]) time.Time {
	return time.Now().Add(verifyBackoff(job.Attempt))
}

// verifyBackoff is the wait after the attempt-th failed check: 30 seconds,
// doubling each time, at most 6 hours.
func verifyBackoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// enqueue queues a check of a pending domain in tx, or brings forward one
// that waits for its next attempt.
func (s *Service) enqueue(ctx context.Context, tx pgx.Tx, name string) error {
	return s.queue(ctx, tx, name, true)
}

// queue queues a check of a pending domain in tx unless one waits or runs;
// with now, one that waits for its next attempt is brought forward.
func (s *Service) queue(ctx context.Context, tx pgx.Tx, name string, now bool) error {
	if s.cfg.Jobs == nil {
		return nil
	}
	res, err := s.cfg.Jobs.InsertTx(ctx, tx, VerifyArgs{Domain: name}, nil)
	if err != nil {
		return fmt.Errorf("queue the verification of %s: %w", name, err)
	}
	if !res.UniqueSkippedAsDuplicate || !now {
		return nil
	}
	switch res.Job.State {
	case rivertype.JobStateRetryable, rivertype.JobStateScheduled:
		if _, err := s.cfg.Jobs.JobRetryTx(ctx, tx, res.Job.ID); err != nil {
			return fmt.Errorf("bring forward the verification of %s: %w", name, err)
		}
	}
	return nil
}

// StartVerify queues a check of a pending domain of the tenant named by
// ref, to run at once (Config.Jobs must be set), and returns the domain.
// A verified domain is returned as it is.
func (s *Service) StartVerify(ctx context.Context, ref, domain string) (*Domain, error) {
	if s.cfg.Jobs == nil {
		return nil, errors.New("start a domain check: no job queue configured")
	}
	var d *Domain
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if _, d, err = s.tenantDomain(ctx, tx, ref, domain); err != nil || d.Status == StatusVerified {
			return err
		}
		return s.enqueue(ctx, tx, d.Name)
	})
	return d, err
}
