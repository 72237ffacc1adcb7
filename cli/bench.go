package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/bench"
	"github.com/tenantry/tenantry/localpg"
)

func (a *app) benchCommand() *cobra.Command {
	var cfg bench.Config
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure provisioning, signup, fleet migration and HTTP throughput against docs/design.md's targets",
		Long: `Measure the performance targets of docs/design.md on a synthetic tenant application
of 40 tables (each with typed columns, a foreign key to the previous one and an
index). Each run creates a database of its own and drops it afterwards: on the
server of DATABASE_URL when it is set, else on a private cluster started for
the run. Figures are printed, never asserted.`,
	}
	cmd.PersistentFlags().IntVar(&cfg.Tables, "tables", bench.DefaultTables, "tables of the synthetic application")
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error {
		if cfg.Tables < 1 || cfg.Tables > 999 {
			return usagef("--tables must be from 1 to 999, not %d", cfg.Tables)
		}
		return nil
	}
	cmd.PersistentFlags().BoolVar(&cfg.Keep, "keep", false, "keep the benchmark database afterwards")
	cmd.AddCommand(a.benchProvisionCommand(&cfg), a.benchSignupCommand(&cfg), a.benchFleetCommand(&cfg),
		a.benchHTTPCommand(&cfg), a.benchLoadCommand(), a.benchIsolationCommand(&cfg), a.benchNeighboursCommand(&cfg))
	for _, c := range cmd.Commands() {
		c.Args = wrapArgs(c.Args)
	}
	return cmd
}

func (a *app) benchProvisionCommand(cfg *bench.Config) *cobra.Command {
	var tenants int
	cmd := &cobra.Command{
		Use:   "provision [--tenants 20]",
		Short: "Provisioning time of a tenant from the spare pool and cold, p50/p90 (targets p50 < 20 ms / < 250 ms)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if tenants < 1 || tenants > 10_000 {
				return usagef("--tenants must be from 1 to 10000, not %d", tenants)
			}
			return a.withBenchServer(cmd.Context(), cfg, func(cfg *bench.Config) error {
				_, err := bench.Provision(cmd.Context(), cfg, tenants)
				return err
			})
		},
	}
	cmd.Flags().IntVar(&tenants, "tenants", 20, "tenants to provision each way (the spare pool is filled with as many first)")
	return cmd
}

func (a *app) benchSignupCommand(cfg *bench.Config) *cobra.Command {
	var signups int
	cmd := &cobra.Command{
		Use:   "signup [--signups 20]",
		Short: "Signup end to end over HTTP: verify, then the first authenticated request, from the spare pool and cold",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if signups < 1 || signups > 10_000 {
				return usagef("--signups must be from 1 to 10000, not %d", signups)
			}
			return a.withBenchServer(cmd.Context(), cfg, func(cfg *bench.Config) error {
				_, err := bench.Signup(cmd.Context(), cfg, signups)
				return err
			})
		},
	}
	cmd.Flags().IntVar(&signups, "signups", 20, "verified signups each way (the spare pool is filled with as many first)")
	return cmd
}

func (a *app) benchFleetCommand(cfg *bench.Config) *cobra.Command {
	var schemas, parallel int
	var sweep []int
	cmd := &cobra.Command{
		Use:   "fleet [--schemas 1000] [--parallel 4] [--sweep 1,2,4,8]",
		Short: "Fleet migration throughput across N schemas (target >= 200 schemas/s; no-op < 1 s at 10,000)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, p := range sweep {
				if p < 1 || p > 256 {
					return usagef("--sweep values must be from 1 to 256, not %d", p)
				}
			}
			if schemas < 1 || schemas > 100_000 {
				return usagef("--schemas must be from 1 to 100000, not %d", schemas)
			}
			if parallel < 1 || parallel > 64 {
				return usagef("--parallel must be from 1 to 64, not %d", parallel)
			}
			return a.withBenchServer(cmd.Context(), cfg, func(cfg *bench.Config) error {
				if len(sweep) > 0 {
					_, err := bench.Sweep(cmd.Context(), cfg, schemas, sweep)
					return err
				}
				_, err := bench.Fleet(cmd.Context(), cfg, schemas, parallel)
				return err
			})
		},
	}
	cmd.Flags().IntVar(&schemas, "schemas", 1000, "tenant schemas in the fleet")
	cmd.Flags().IntVar(&parallel, "parallel", 4, "schemas migrated at once")
	cmd.Flags().IntSliceVar(&sweep, "sweep", nil, "instead, compare these --parallel values on the same fleet")
	return cmd
}

// withBenchServer runs fn with cfg.AdminURL pointing at DATABASE_URL's
// server, or at a private cluster started for the run and stopped after.
func (a *app) withBenchServer(ctx context.Context, cfg *bench.Config, fn func(*bench.Config) error) error {
	c := *cfg
	c.Out = a.stdout
	if c.AdminURL = a.getenv("DATABASE_URL"); c.AdminURL != "" {
		return fn(&c)
	}
	dir, err := os.MkdirTemp("", "tenantry-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(a.stdout, "DATABASE_URL is not set: benchmarking on a private PostgreSQL in %s\n", dir)
	cluster, err := localpg.Start(ctx, &localpg.Config{Dir: dir, Settings: map[string]string{
		"max_connections": "200", "shared_buffers": "256MB", "max_locks_per_transaction": strconv.Itoa(256),
	}})
	if err != nil {
		return fmt.Errorf("start a private PostgreSQL for the benchmark: %w", err)
	}
	defer cluster.Stop()
	c.AdminURL = cluster.URL("postgres")
	return fn(&c)
}

func (a *app) benchHTTPCommand(cfg *bench.Config) *cobra.Command {
	var opts bench.HTTPOptions
	cmd := &cobra.Command{
		Use:   "http [--tenants 100] [--clients 2,32] [--duration 10s]",
		Short: "Requests/s and latency of GET /api/items/ (target >= 5,000 req/s), and the isolation cost (target <= 15%)",
		Long: `Serve the reference API on a loopback port and load it from a separate process
("tenantry bench load"): GET /api/items/ (20 rows) for one tenant and rotating
across all, at each client count. Then compare the items query bare on the
pool with the same query in an isolated tenant transaction.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Tenants < 1 || opts.Tenants > 10_000 {
				return usagef("--tenants must be from 1 to 10000, not %d", opts.Tenants)
			}
			for _, c := range opts.Clients {
				if c < 1 || c > 10_000 {
					return usagef("--clients must be from 1 to 10000, not %d", c)
				}
			}
			if opts.Duration <= 0 {
				return usagef("--duration must be positive, not %s", opts.Duration)
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			opts.LoadCommand = func(ctx context.Context) *exec.Cmd { return exec.CommandContext(ctx, exe, "bench", "load") }
			return a.withBenchServer(cmd.Context(), cfg, func(cfg *bench.Config) error {
				_, err := bench.HTTP(cmd.Context(), cfg, opts)
				return err
			})
		},
	}
	cmd.Flags().IntVar(&opts.Tenants, "tenants", 100, "tenants to rotate across")
	cmd.Flags().IntSliceVar(&opts.Clients, "clients", []int{2, 32}, "concurrent clients, one run each")
	cmd.Flags().DurationVar(&opts.Duration, "duration", 10*time.Second, "length of each run")
	return cmd
}

// benchLoadCommand is the load generator half of "bench http", run as a
// process of its own: a spec on standard input, the result on standard
// output.
func (a *app) benchLoadCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "load",
		Short:  "The load generator of bench http (reads a JSON spec on standard input)",
		Hidden: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.Load(cmd.Context(), a.stdin, a.stdout)
		},
	}
}

func (a *app) benchNeighboursCommand(cfg *bench.Config) *cobra.Command {
	var opts bench.NeighboursOptions
	cmd := &cobra.Command{
		Use:   "neighbours [--rate 100] [--factor 20] [--quiet-rate 20] [--duration 10s]",
		Short: "A noisy tenant at 20x its plan's rate beside a quiet one: both tenants' p50/p99, limits on and off",
		Long: `Serve the reference API with the plans enforced and send GET /api/items/ at a
fixed pace: the quiet tenant alone, then with a noisy tenant sending --factor
times its plan's --rate (its plan also caps its transactions), then the same
with the plans' limits lifted. Prints both tenants' p50 and p99 for each phase.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case opts.Rate < 1 || opts.Rate > 10_000:
				return usagef("--rate must be from 1 to 10000 requests per second, not %g", opts.Rate)
			case opts.Factor < 1 || opts.Factor > 1_000:
				return usagef("--factor must be from 1 to 1000, not %g", opts.Factor)
			case opts.QuietRate < 1 || opts.QuietRate > opts.Rate:
				return usagef("--quiet-rate must be from 1 to --rate (%g), not %g", opts.Rate, opts.QuietRate)
			case opts.Duration <= 0 || opts.Duration > time.Hour:
				return usagef("--duration must be positive and at most 1h, not %s", opts.Duration)
			}
			return a.withBenchServer(cmd.Context(), cfg, func(cfg *bench.Config) error {
				_, err := bench.Neighbours(cmd.Context(), cfg, opts)
				return err
			})
		},
	}
	cmd.Flags().Float64Var(&opts.Rate, "rate", 100, "the plans' requests per second (and burst)")
	cmd.Flags().Float64Var(&opts.Factor, "factor", 20, "how many times its rate the noisy tenant sends")
	cmd.Flags().Float64Var(&opts.QuietRate, "quiet-rate", 20, "what the quiet tenant sends, requests per second")
	cmd.Flags().IntVar(&opts.Transactions, "transactions", 2, "the plans' max_transactions")
	cmd.Flags().DurationVar(&opts.Duration, "duration", 10*time.Second, "length of each phase")
	return cmd
}
