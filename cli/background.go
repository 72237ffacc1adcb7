package cli

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/mail"
	"github.com/tenantry/tenantry/signup"
)

// stopJobsTimeout bounds how long running jobs may go on after a SIGTERM.
const stopJobsTimeout = 20 * time.Second

// mailer is the mail sender the settings call for: SMTP at
// TENANTRY_SMTP_URL, else the outbox directory under TENANTRY_DIR.
func mailer(s settings, log *slog.Logger) (mail.Sender, error) {
	m, err := mail.New(mail.Config{URL: s.smtpURL, From: s.mailFrom, OutboxDir: filepath.Join(s.stateDir, "outbox"), Logger: log})
	if err != nil {
		return nil, usagef("TENANTRY_SMTP_URL / TENANTRY_MAIL_FROM: %v", err)
	}
	return m, nil
}

// startJobs replaces d's insert-only job client with one that works jobs
// (mail, welcome, seed data, spare refills) and starts it, on a pool of
// its own of TENANTRY_POOL_JOBS connections. The returned function stops
// it gracefully and closes that pool.
func startJobs(ctx context.Context, d *deps, log *slog.Logger) (stop func(), err error) {
	m, err := mailer(d.settings, log)
	if err != nil {
		return nil, err
	}
	s := d.settings
	if s.poolJobs < s.workers+jobsPoolOverhead {
		log.Warn("TENANTRY_POOL_JOBS is below TENANTRY_WORKERS + 4: jobs will wait for connections",
			"pool_jobs", s.poolJobs, "workers", s.workers)
	}
	pool, err := openPool(ctx, s.databaseURL, int32(s.poolJobs), log)
	if err != nil {
		return nil, err
	}
	j, err := jobs.New(jobs.Config{Pool: pool, DB: d.gatedDB(pool, s.poolJobs),
		Mailer: m, Refiller: d.newProvisioner(pool, log), Seeds: s.app.Seeds, AppWorkers: s.app.Jobs, Logger: log,
		Workers: s.workers, PollOnly: s.pollOnly, Limiter: limits.NewJobGate(d.plans, 0)})
	if err == nil {
		err = j.Start(ctx)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	d.jobs, d.jobsPool = j, pool
	return func() {
		defer pool.Close()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopJobsTimeout)
		defer cancel()
		if err := j.Stop(sctx); err != nil {
			log.Warn("jobs stopped with an error", "err", err)
		}
	}, nil
}

// signupService is self-service signup on the base domain, queueing its
// mail and seeds through d's job client.
func signupService(d *deps, log *slog.Logger) (*signup.Service, error) {
	svc, err := signup.New(signup.Config{Pool: d.pool, Provisioner: d.provisioner, Jobs: d.jobs,
		BaseURL: d.settings.baseURL, BaseDomain: d.settings.baseDomain,
		StaticSchemas: d.settings.staticSchemas, MemberRole: d.settings.app.Member(), Logger: log})
	if err != nil {
		return nil, usagef("TENANTRY_BASE_URL / TENANTRY_BASE_DOMAIN: %v", err)
	}
	return svc, nil
}

func (a *app) workerCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Work background jobs only: mail, seed data, spare-pool refills",
		Long: `Work the job queue without serving HTTP, to scale workers apart from the
servers ("tenantry serve" also works jobs). Settings: DATABASE_URL,
TENANTRY_WORKERS (jobs at once, default 10), TENANTRY_POOL_JOBS (database
connections for them, default TENANTRY_WORKERS + 4), TENANTRY_SMTP_URL
(unset: mail is written to TENANTRY_DIR/outbox), TENANTRY_MAIL_FROM,
TENANTRY_SPARES (spare pool size, default 5), TENANTRY_JOBS_POLL_ONLY=1
behind PgBouncer, TENANTRY_METRICS_ADDR (serve /metrics there: the pools,
the job queue, the fleet). Stops gracefully on SIGTERM or Ctrl-C.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s := a.settings()
			if err := s.resolveDatabase(); err != nil {
				return err
			}
			log := a.serverLogger()
			d, err := wire(cmd.Context(), s, 2, log) // the jobs have a pool of their own
			if err != nil {
				return err
			}
			defer d.pool.Close()
			stop, err := startJobs(cmd.Context(), d, log)
			if err != nil {
				return err
			}
			if s.metricsAddr != "" {
				stopMetrics, err := workerMetrics(cmd.Context(), d, log)
				if err != nil {
					stop()
					return err
				}
				defer stopMetrics()
			}
			log.Info("working jobs", "workers", s.workers, "spares", s.spares)
			<-cmd.Context().Done()
			log.Info("stopping jobs", "timeout", stopJobsTimeout.String())
			stop()
			return nil
		},
	}
}

// workerMetrics serves a worker's metrics on TENANTRY_METRICS_ADDR: its
// pools ("control" for the few connections outside the jobs) and the
// database counts.
func workerMetrics(ctx context.Context, d *deps, log *slog.Logger) (stop func(), err error) {
	m, err := newMetrics(d, map[string]*pgxpool.Pool{"control": d.pool, "jobs": d.jobsPool}, nil, log)
	if err != nil {
		return nil, err
	}
	return serveMetrics(ctx, d.settings.metricsAddr, m, log)
}
