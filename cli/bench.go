package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/bench"
	"github.com/tenantry/tenantry/localpg"
)

func (a *app) benchCommand() *cobra.Command {
	var cfg benchRun
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
		if cfg.json != "" {
			// Found out now rather than after a run of many minutes.
			f, err := os.OpenFile(cfg.json, os.O_WRONLY|os.O_CREATE, 0o644)
			if err != nil {
				return usagef("--json: cannot write %s: %v", cfg.json, errors.Unwrap(err))
			}
			f.Close()
		}
		return nil
	}
	cmd.PersistentFlags().BoolVar(&cfg.Keep, "keep", false, "keep the benchmark database afterwards")
	cmd.PersistentFlags().BoolVar(&cfg.fsync, "fsync", true, "the private cluster's fsync (durable commits, as in production); --fsync=false for figures that are not durable")
	cmd.PersistentFlags().StringVar(&cfg.json, "json", "", "also write the environment and the figures as JSON to this file")
	cmd.AddCommand(a.benchProvisionCommand(&cfg), a.benchSignupCommand(&cfg), a.benchFleetCommand(&cfg),
		a.benchHTTPCommand(&cfg), a.benchLoadCommand(), a.benchIsolationCommand(&cfg), a.benchNeighboursCommand(&cfg),
		a.benchScaleCommand(&cfg))
	for _, c := range cmd.Commands() {
		c.Args = wrapArgs(c.Args)
	}
	return cmd
}

func (a *app) benchProvisionCommand(cfg *benchRun) *cobra.Command {
	var tenants int
	cmd := &cobra.Command{
		Use:   "provision [--tenants 20]",
		Short: "Provisioning time of a tenant from the spare pool and cold, p50/p90 (targets: spare p50 <= 10 ms; cold within 15% of the raw DDL)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if tenants < 1 || tenants > 10_000 {
				return usagef("--tenants must be from 1 to 10000, not %d", tenants)
			}
			return a.withBenchServer(cmd, cfg, func(cfg *bench.Config) (any, error) {
				return bench.Provision(cmd.Context(), cfg, tenants)
			})
		},
	}
	cmd.Flags().IntVar(&tenants, "tenants", 20, "tenants to provision each way (the spare pool is filled with as many first)")
	return cmd
}

func (a *app) benchSignupCommand(cfg *benchRun) *cobra.Command {
	var signups int
	cmd := &cobra.Command{
		Use:   "signup [--signups 20]",
		Short: "Signup end to end over HTTP: verify, then the first authenticated request, from the spare pool and cold",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if signups < 1 || signups > 10_000 {
				return usagef("--signups must be from 1 to 10000, not %d", signups)
			}
			return a.withBenchServer(cmd, cfg, func(cfg *bench.Config) (any, error) {
				return bench.Signup(cmd.Context(), cfg, signups)
			})
		},
	}
	cmd.Flags().IntVar(&signups, "signups", 20, "verified signups each way (the spare pool is filled with as many first)")
	return cmd
}

func (a *app) benchFleetCommand(cfg *benchRun) *cobra.Command {
	var schemas, parallel int
	var sweep []int
	cmd := &cobra.Command{
		Use:   "fleet [--schemas 1000] [--parallel 4] [--sweep 1,2,4,8]",
		Short: "Fleet migration throughput across N schemas (target >= 250 schemas/s; no-op < 1 s at 10,000)",
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
			return a.withBenchServer(cmd, cfg, func(cfg *bench.Config) (any, error) {
				if len(sweep) > 0 {
					return bench.Sweep(cmd.Context(), cfg, schemas, sweep)
				}
				return bench.Fleet(cmd.Context(), cfg, schemas, parallel)
			})
		},
	}
	cmd.Flags().IntVar(&schemas, "schemas", 1000, "tenant schemas in the fleet")
	cmd.Flags().IntVar(&parallel, "parallel", 4, "schemas migrated at once")
	cmd.Flags().IntSliceVar(&sweep, "sweep", nil, "instead, compare these --parallel values on the same fleet")
	return cmd
}

// benchRun is what every benchmark's flags say: the benchmark's own
// configuration, and the private cluster's fsync and the JSON report's file.
type benchRun struct {
	bench.Config
	fsync bool   // the private cluster's fsync
	json  string // where to write the report, "" for nowhere
}

// withBenchServer runs fn with cfg.AdminURL pointing at DATABASE_URL's
// server, or at a private cluster started for the run (fsync as --fsync
// says) and stopped after. It prints the environment first and writes the
// report of fn's result to --json's file when one is named.
func (a *app) withBenchServer(cmd *cobra.Command, cfg *benchRun, fn func(*bench.Config) (any, error)) error {
	ctx := cmd.Context()
	c := *cfg
	c.Out = a.stdout
	if c.AdminURL = a.getenv("DATABASE_URL"); c.AdminURL != "" {
		if cmd.Flags().Changed("fsync") {
			fmt.Fprintln(a.stdout, "DATABASE_URL is set: --fsync is ignored, the server's own fsync applies")
		}
		return a.runBench(cmd, &c, "DATABASE_URL", fn)
	}
	dir, err := os.MkdirTemp("", "tenantry-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(a.stdout, "DATABASE_URL is not set: benchmarking on a private PostgreSQL in %s\n", dir)
	cluster, err := localpg.Start(ctx, &localpg.Config{Dir: dir, Settings: benchSettings(c.fsync)})
	if err != nil {
		return fmt.Errorf("start a private PostgreSQL for the benchmark: %w", err)
	}
	defer cluster.Stop()
	c.AdminURL = cluster.URL("postgres")
	return a.runBench(cmd, &c, "private cluster", fn)
}

// benchSettings are the private cluster's settings: room for the
// benchmarks' connections and their thousands of schemas, and fsync as
// asked.
func benchSettings(fsync bool) map[string]string {
	return map[string]string{
		"max_connections": "200", "shared_buffers": "256MB", "max_locks_per_transaction": strconv.Itoa(256),
		"fsync": map[bool]string{true: "on", false: "off"}[fsync],
	}
}

// runBench prints the environment of cfg's server, runs fn and writes its
// report when --json asks for one.
func (a *app) runBench(cmd *cobra.Command, cfg *benchRun, server string, fn func(*bench.Config) (any, error)) error {
	env, err := bench.ReadEnvironment(cmd.Context(), cfg.AdminURL, server)
	if err != nil {
		return err
	}
	env.Print(a.stdout)
	report := bench.NewReport(cmd.Name(), os.Args[1:], env)
	res, err := fn(&cfg.Config)
	if err != nil {
		return err
	}
	if cfg.json == "" {
		return nil
	}
	if err := report.Write(cfg.json, res); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "figures written to %s\n", cfg.json)
	return nil
}

func (a *app) benchHTTPCommand(cfg *benchRun) *cobra.Command {
	var opts bench.HTTPOptions
	var builtinLoad bool
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "http [--tenants 100] [--clients 2,32] [--duration 10s]",
		Short: "Requests/s and latency of GET /api/items/ (target >= 5,000 req/s), and the isolation cost (target <= 30%)",
		Long: `Serve the reference API on a loopback port and load it from a separate process
(wrk when it is installed, else "tenantry bench load"): GET /api/items/?limit=20
(20 rows) with a bearer token, for one tenant and rotating across all, at each
client count. Then compare the items query bare on the pool with the same
query in an isolated tenant transaction, the two interleaved, and print the
ratio (target: at most 30% slower).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Tenants < 1 || opts.Tenants > 10_000 {
				return usagef("--tenants must be from 1 to 10000, not %d", opts.Tenants)
			}
			for _, c := range opts.Clients {
				if c < 1 || c > 10_000 {
					return usagef("--clients must be from 1 to 10000, not %d", c)
				}
			}
			if opts.Conns < 1 || opts.Conns > 100 {
				return usagef("--conns must be from 1 to 100, not %d", opts.Conns)
			}
			if opts.Duration <= 0 {
				return usagef("--duration must be positive, not %s", opts.Duration)
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			opts.LoadCommand = func(ctx context.Context) *exec.Cmd { return exec.CommandContext(ctx, exe, "bench", "load") }
			if !builtinLoad {
				opts.Wrk, _ = exec.LookPath("wrk") // not found: the built-in generator
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				opts.CPUProfile = f
			}
			return a.withBenchServer(cmd, cfg, func(cfg *bench.Config) (any, error) {
				return bench.HTTP(cmd.Context(), cfg, opts)
			})
		},
	}
	cmd.Flags().IntVar(&opts.Tenants, "tenants", 100, "tenants to rotate across")
	cmd.Flags().IntSliceVar(&opts.Clients, "clients", []int{2, 32}, "concurrent clients, one run each")
	cmd.Flags().IntVar(&opts.Conns, "conns", 8, "the server's database connections")
	cmd.Flags().DurationVar(&opts.Duration, "duration", 10*time.Second, "length of each run")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the server during the load runs to this file (go tool pprof)")
	cmd.Flags().BoolVar(&builtinLoad, "builtin-load", false, "generate the load with tenantry's own client even when wrk is installed")
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

func (a *app) benchNeighboursCommand(cfg *benchRun) *cobra.Command {
	var opts bench.NeighboursOptions
	cmd := &cobra.Command{
		Use:   "neighbours [--rate 100] [--factor 20] [--quiet-rate 50] [--warmup 1s] [--duration 10s]",
		Short: "A noisy tenant at 20x its plan's rate beside a quiet one: both tenants' p50/p99, limits on and off",
		Long: `Serve the reference API with the plans enforced and send GET /api/items/ at a
fixed pace: the quiet tenant alone, then with a noisy tenant sending --factor
times its plan's --rate (its plan also caps its transactions), then the same
with the plans' limits lifted. Prints both tenants' p50 and p99 for each phase,
counted after each phase's --warmup (new connections, caches filling and the
first burst the plan allows are left out of the steady state's figures).`,
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
			case opts.Warmup <= 0 || opts.Warmup > 10*time.Minute:
				return usagef("--warmup must be positive and at most 10m, not %s", opts.Warmup)
			}
			return a.withBenchServer(cmd, cfg, func(cfg *bench.Config) (any, error) {
				return bench.Neighbours(cmd.Context(), cfg, opts)
			})
		},
	}
	cmd.Flags().Float64Var(&opts.Rate, "rate", 100, "the plans' requests per second (and burst)")
	cmd.Flags().Float64Var(&opts.Factor, "factor", 20, "how many times its rate the noisy tenant sends")
	cmd.Flags().Float64Var(&opts.QuietRate, "quiet-rate", 50, "what the quiet tenant sends, requests per second")
	cmd.Flags().DurationVar(&opts.Warmup, "warmup", time.Second, "how long each phase runs before its requests are counted")
	cmd.Flags().IntVar(&opts.Transactions, "transactions", 2, "the plans' max_transactions")
	cmd.Flags().DurationVar(&opts.Duration, "duration", 10*time.Second, "length of each phase after its warm-up")
	return cmd
}

func (a *app) benchScaleCommand(cfg *benchRun) *cobra.Command {
	var opts bench.ScaleOptions
	cmd := &cobra.Command{
		Use:   "scale [--tenants 10000] [--stages 100,1000]",
		Short: "A database of many tenants: fleet migration by size, no-op migrate, Host lookups, requests over every host, memory, creates, lists",
		Long: `Build a database of --tenants tenants of the synthetic application, each with
an owner and 20 items, in bulk (several tenants to a transaction, made by the
provisioner itself, so each is what provisioning makes), growing it through
--stages and timing a fleet migration (a column and a table) at each, then at
full size: a migrate with nothing to apply, Host lookups on a cold cache,
GET /api/items/ rotating over every tenant's host (wrk when installed), the
server's resident memory, tenant creates from the spare pool and cold, and
the list of every tenant. See docs/scale.md for the server settings such a
database needs.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Tenants < 1 || opts.Tenants > 100_000 {
				return usagef("--tenants must be from 1 to 100000, not %d", opts.Tenants)
			}
			for _, n := range opts.Stages {
				if n < 1 {
					return usagef("--stages must be positive, not %d", n)
				}
			}
			if opts.Parallel < 1 || opts.Parallel > 64 {
				return usagef("--parallel must be from 1 to 64, not %d", opts.Parallel)
			}
			if opts.Duration <= 0 {
				return usagef("--duration must be positive, not %s", opts.Duration)
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			opts.LoadCommand = func(ctx context.Context) *exec.Cmd { return exec.CommandContext(ctx, exe, "bench", "load") }
			opts.Wrk, _ = exec.LookPath("wrk") // not found: the built-in generator
			return a.withBenchServer(cmd, cfg, func(cfg *bench.Config) (any, error) {
				cfg.Logger = slog.New(slog.NewTextHandler(a.stderr, nil)) // the setup's progress: it is long
				return bench.Scale(cmd.Context(), cfg, opts)
			})
		},
	}
	cmd.Flags().IntVar(&opts.Tenants, "tenants", 10_000, "tenants in the database at the end")
	cmd.Flags().IntSliceVar(&opts.Stages, "stages", []int{100, 1000}, "fleet sizes, below --tenants, at which a fleet migration is also timed")
	cmd.Flags().IntVar(&opts.Parallel, "parallel", bench.DefaultParallel, "schemas migrated at once")
	cmd.Flags().DurationVar(&opts.Duration, "duration", 10*time.Second, "length of the HTTP load")
	return cmd
}
