package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/bench"
	"github.com/tenantry/tenantry/internal/scratchdb"
	"github.com/tenantry/tenantry/leakhunt"
)

func (a *app) benchIsolationCommand(cfg *benchRun) *cobra.Command {
	var opts leakhunt.Config
	cmd := &cobra.Command{
		Use:   "isolation [--tenants 200] [--clients 64] [--duration 60s]",
		Short: "Leak hunt under load: random requests across tenants and roles, errors mid-transaction; fails on any leak or 5xx",
		Long: `Create tenants whose every row carries the tenant's marker, serve the reference
API on a loopback port and drive concurrent clients through a random mix of
endpoints, tenants and roles, with errors in the middle of transactions:
invalid input, writes the database refuses, client disconnects, very short
timeouts, and, through the library, savepoint rollbacks, failed statements,
panics and timeouts inside tenant transactions. Every answer and every row
read is checked for other tenants' markers, and every transaction for its
binding (search_path, role, tenant id).

The database is a new one on the server of DATABASE_URL, else on a private
cluster, logged into as a NOINHERIT role that is not a superuser, with the
role layer on: production's setup. The clients run in this process and
reach the server over loopback HTTP. The command exits non-zero when it
found a leak or a 5xx.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkIsolationFlags(&opts); err != nil {
				return err
			}
			opts.Logger = slog.New(slog.NewTextHandler(a.stderr, nil))
			return a.withBenchServer(cmd, cfg, func(cfg *bench.Config) (any, error) {
				return a.huntLeaks(cmd.Context(), cfg, opts)
			})
		},
	}
	cmd.Flags().IntVar(&opts.Tenants, "tenants", 200, "tenants, each with a user of every role and its items")
	cmd.Flags().IntVar(&opts.Clients, "clients", 64, "concurrent clients")
	cmd.Flags().DurationVar(&opts.Duration, "duration", 60*time.Second, "how long the clients run")
	cmd.Flags().IntVar(&opts.Items, "items", 20, "items each tenant starts with")
	cmd.Flags().IntVar(&opts.PoolConns, "pool", 16, "connections of the pool the server and the library share")
	cmd.Flags().Uint64Var(&opts.Seed, "seed", 0, "seed of the clients' random choices (default: random, printed)")
	return cmd
}

func checkIsolationFlags(o *leakhunt.Config) error {
	switch {
	case o.Tenants < 2 || o.Tenants > 10_000:
		return usagef("--tenants must be from 2 to 10000, not %d", o.Tenants)
	case o.Clients < 1 || o.Clients > 1_000:
		return usagef("--clients must be from 1 to 1000, not %d", o.Clients)
	case o.Duration <= 0 || o.Duration > leakhunt.MaxDuration:
		return usagef("--duration must be positive and at most %s, not %s", leakhunt.MaxDuration, o.Duration)
	case o.Items < 1 || o.Items > 10_000:
		return usagef("--items must be from 1 to 10000, not %d", o.Items)
	case o.PoolConns < 1 || o.PoolConns > 150:
		return usagef("--pool must be from 1 to 150, not %d", o.PoolConns)
	}
	return nil
}

// huntLeaks runs the hunt in a database of its own on cfg's server, prints
// its report and fails when it found a leak or a 5xx.
func (a *app) huntLeaks(ctx context.Context, cfg *bench.Config, opts leakhunt.Config) (report *leakhunt.Report, err error) {
	db, err := scratchdb.Create(ctx, cfg.AdminURL, scratchdb.Options{Prefix: "tenantry_leakhunt_", NonSuperuser: true})
	if err != nil {
		return nil, fmt.Errorf("create the leak hunt's database: %w", err)
	}
	defer func() {
		if cfg.Keep {
			fmt.Fprintf(a.stdout, "kept database %s: %s\n", db.Name, db.URL)
			return
		}
		err = errors.Join(err, db.Drop(ctx))
	}()
	opts.URL = db.URL
	fmt.Fprintf(a.stdout, "leak hunt in database %s: %s, %s for %s; the clients run in this process, over loopback HTTP\n",
		db.Name, plural(opts.Tenants, "tenant"), plural(opts.Clients, "client"), opts.Duration)
	report, err = leakhunt.Run(ctx, &opts)
	if err != nil {
		return nil, err
	}
	report.Print(a.stdout)
	if !report.OK() {
		return report, fmt.Errorf("leak hunt: %s, %d 5xx answered, %d 5xx logged by the server",
			plural(report.Leaks, "leak"), report.Errors[leakhunt.Error5xx], report.Errors[leakhunt.ErrorServer5xx])
	}
	return report, nil
}
