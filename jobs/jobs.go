package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenantry/tenantry/mail"
	"github.com/tenantry/tenantry/migrations"
	"github.com/tenantry/tenantry/tenantdb"
)

// Config configures New.
type Config struct {
	// Pool reaches the database whose public schema holds River's tables.
	// Required. River and the workers take their connections from it: give
	// the jobs a pool of their own, of at least Workers plus 4 connections
	// (River's listener, fetches, completions and maintenance), so that
	// they never wait for connections that serve HTTP requests, nor these
	// for them.
	Pool *pgxpool.Pool
	// DB opens the short tenant transactions of tenant jobs (InTenant);
	// preferably on Pool. Required unless InsertOnly.
	DB *tenantdb.DB
	// Mailer sends the mail of EmailArgs and WelcomeArgs jobs. Required
	// unless InsertOnly.
	Mailer mail.Sender
	// Refiller refills the spare schema pool for RefillArgs jobs, which are
	// also enqueued every RefillEvery. Default nil: no refill worker, no
	// periodic refill, and EnqueueRefill fails.
	Refiller Refiller
	// Seeds are the hooks SeedArgs jobs run in a new tenant, in order.
	// Default none.
	Seeds []SeedFunc
	// Purger purges terminated tenants whose purge date has passed, for
	// PurgeArgs jobs, which are also enqueued every PurgeEvery. Default
	// nil: no purge worker and no periodic purge.
	Purger Purger
	// PurgeEvery is how often a purge is enqueued when Purger is set.
	// Default 1 hour.
	PurgeEvery time.Duration
	// AppWorkers are the application's own workers (see AppWorker).
	// Default none.
	AppWorkers []Registration
	// Periodic are jobs enqueued on a schedule (river.NewPeriodicJob), by
	// the leader of the clients sharing the database, for workers among
	// AppWorkers (such as the export package's scheduled exports).
	// Default none.
	Periodic []*river.PeriodicJob
	// Logger receives cancelled jobs and River's own logs. Default: discard.
	Logger *slog.Logger
	// Workers is how many jobs may run at once. Default 10.
	Workers int
	// PollOnly makes the client poll for new jobs (about every second)
	// instead of waiting for notifications with LISTEN, which a
	// transaction-mode pooler such as PgBouncer cannot carry. Default false.
	PollOnly bool
	// RefillEvery is how often a refill is enqueued when Refiller is set.
	// Default 1 minute.
	RefillEvery time.Duration
	// Timeouts bound each kind of job's attempts (see Timeouts). Default:
	// Timeouts' defaults.
	Timeouts Timeouts
	// RescueAfter is how long a job may stay running before River takes it
	// for stuck, left behind by a process that died, and retries it (or
	// discards it after its last attempt). River never rescues a job
	// before its own timeout (Timeouts, or its worker's Timeout) has passed,
	// so a job still being worked is not run twice. Default: the longest of
	// Timeouts plus 2 minutes (7 minutes with the default timeouts). It
	// must not be below Timeouts.Other.
	RescueAfter time.Duration
	// Limiter, when set, caps each tenant's jobs running at once (see
	// Limiter). Default nil: no cap.
	Limiter Limiter
	// InsertOnly makes a client that only enqueues, for a process whose
	// jobs are worked elsewhere (tenantry worker): it registers no worker,
	// accepts jobs of any kind, and cannot Start. Only Pool and Logger
	// matter. Default false.
	InsertOnly bool
}

// Jobs enqueues and works Tenantry's jobs. It is safe for concurrent use.
type Jobs struct {
	client     *river.Client[pgx.Tx]
	insertOnly bool
	refill     bool
}

// New returns a client for cfg. It does not start working jobs: see
// Start. It returns an error naming the field when cfg is invalid.
func New(cfg Config) (*Jobs, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	rc := &river.Config{Schema: migrations.RiverSchema, Logger: logger, PollOnly: cfg.PollOnly}
	if !cfg.InsertOnly {
		if err := cfg.configureWorkers(rc, logger); err != nil {
			return nil, err
		}
	}
	client, err := river.NewClient(riverpgxv5.New(cfg.Pool), rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: create River client: %w", err)
	}
	return &Jobs{client: client, insertOnly: cfg.InsertOnly, refill: cfg.Refiller != nil}, nil
}

func (cfg *Config) validate() error {
	switch {
	case cfg.Pool == nil:
		return errors.New("jobs config: Pool is required")
	case cfg.InsertOnly:
		return nil
	case cfg.DB == nil:
		return errors.New("jobs config: DB is required unless InsertOnly")
	case cfg.Mailer == nil:
		return errors.New("jobs config: Mailer is required unless InsertOnly")
	case cfg.Workers < 0:
		return fmt.Errorf("jobs config: Workers must not be negative, got %d", cfg.Workers)
	case cfg.RefillEvery < 0 || cfg.PurgeEvery < 0:
		return fmt.Errorf("jobs config: RefillEvery and PurgeEvery must not be negative, got %v and %v", cfg.RefillEvery, cfg.PurgeEvery)
	case cfg.RescueAfter < 0:
		return fmt.Errorf("jobs config: RescueAfter must not be negative, got %v", cfg.RescueAfter)
	}
	if err := cfg.Timeouts.validate(); err != nil {
		return err
	}
	if other := cfg.Timeouts.withDefaults().Other; cfg.RescueAfter > 0 && cfg.RescueAfter < other {
		return fmt.Errorf("jobs config: RescueAfter (%v) must not be below Timeouts.Other (%v)", cfg.RescueAfter, other)
	}
	return nil
}

// configureWorkers sets up rc to work jobs: the workers, the tenant
// middleware, the queue, the timeouts and the periodic refill.
func (cfg *Config) configureWorkers(rc *river.Config, logger *slog.Logger) error {
	to := cfg.Timeouts.withDefaults()
	rc.JobTimeout = to.Other
	rc.RescueStuckJobsAfter = cmp.Or(cfg.RescueAfter, to.rescueAfter())
	if cfg.Refiller != nil {
		rc.PeriodicJobs = []*river.PeriodicJob{refillPeriodically(cmp.Or(cfg.RefillEvery, refillDefault))}
	}
	if cfg.Purger != nil {
		rc.PeriodicJobs = append(rc.PeriodicJobs, purgePeriodically(cmp.Or(cfg.PurgeEvery, purgeDefault)))
	}
	rc.PeriodicJobs = append(rc.PeriodicJobs, cfg.Periodic...)
	workers := river.NewWorkers()
	kinds := map[string]tenantDecoder{}
	for _, r := range cfg.registrations(to, logger) {
		if r.add == nil {
			return errors.New("jobs config: AppWorkers holds a Registration not made by AppWorker")
		}
		if err := r.add(workers); err != nil {
			return fmt.Errorf("jobs config: register worker %s: %w", r.kind, err)
		}
		if r.tenantOf != nil {
			kinds[r.kind] = r.tenantOf
		}
	}
	rc.Workers = workers
	rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cmp.Or(cfg.Workers, 10)}}
	rc.Middleware = []rivertype.Middleware{&tenantMiddleware{pool: cfg.Pool, db: cfg.DB, kinds: kinds, logger: logger,
		limiter: cfg.Limiter}}
	return nil
}

// registrations are the built-in workers, each with its kind's timeout,
// then the application's.
func (cfg *Config) registrations(to Timeouts, logger *slog.Logger) []Registration {
	ml := &mailer{sender: cfg.Mailer, logger: logger}
	regs := []Registration{
		AppWorker[EmailArgs](&emailWorker{mailer: ml, timeout: to.Mail}),
		AppWorker[WelcomeArgs](&welcomeWorker{mailer: ml, timeout: to.Mail}),
		AppWorker[SeedArgs](&seedWorker{seeds: cfg.Seeds, timeout: to.Seed}),
	}
	if cfg.Refiller != nil {
		regs = append(regs, AppWorker[RefillArgs](&refillWorker{refiller: cfg.Refiller, logger: logger, timeout: to.Refill}))
	}
	if cfg.Purger != nil {
		regs = append(regs, AppWorker[PurgeArgs](&purgeWorker{purger: cfg.Purger, logger: logger, timeout: to.Refill}))
	}
	return append(regs, cfg.AppWorkers...)
}

// Start starts working jobs in the background and returns. Cancelling ctx
// stops abruptly, like Stop with an expired context; prefer Stop. It fails
// on an InsertOnly client.
func (j *Jobs) Start(ctx context.Context) error {
	if j.insertOnly {
		return errors.New("start jobs: an InsertOnly client cannot work jobs")
	}
	if err := j.client.Start(ctx); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	return nil
}

// stopGrace bounds how long Stop waits, once its context has ended, for
// cancelled jobs to return.
const stopGrace = 10 * time.Second

// Stop stops fetching jobs and waits for the running ones to finish. If ctx
// ends first, their contexts are cancelled (a tenant transaction still open
// then rolls back, and the job is retried later) and Stop waits a little longer
// for them to return, then returns ctx's error. Stopping a client that is
// not running does nothing.
func (j *Jobs) Stop(ctx context.Context) error {
	err := j.client.Stop(ctx)
	if err == nil {
		return nil
	}
	if ctx.Err() == nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopGrace)
	defer cancel()
	if err := j.client.StopAndCancel(hard); err != nil {
		return fmt.Errorf("stop jobs: cancel running jobs: %w", err)
	}
	return fmt.Errorf("stop jobs: running jobs were cancelled: %w", ctx.Err())
}

// Client returns the River client, for what this package does not wrap:
// listing, cancelling or retrying jobs, subscribing to events. Its schema is
// migrations.RiverSchema.
func (j *Jobs) Client() *river.Client[pgx.Tx] { return j.client }
