package bench

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"time"

	"github.com/tenantry/tenantry/examples/items"
	"github.com/tenantry/tenantry/migrate"
)

// ScaleOptions adjust the scale benchmark. Zero fields take the defaults.
type ScaleOptions struct {
	Tenants int // tenants in the database at the end; default 10,000
	// Stages are the fleet sizes at which a fleet migration is timed, the
	// database growing from one to the next; default 100, 1,000 and
	// Tenants (those not above Tenants).
	Stages   []int
	Parallel int           // schemas migrated at once; default DefaultParallel
	Workers  int           // transactions building tenants at once; default 2
	PerTx    int           // tenants built per transaction; default 10
	Creates  int           // tenants created and timed each way at the end; default 10
	Lookups  int           // hosts looked up on a cold cache; default 2,000
	Clients  int           // HTTP clients rotating over every tenant's host; default 32
	Duration time.Duration // of the HTTP load; default 10 s
	// LoadCommand and Wrk generate the HTTP load, as in HTTPOptions; one
	// is required.
	LoadCommand func(ctx context.Context) *exec.Cmd
	Wrk         string
}

// ScaleResult holds the figures of Scale.
type ScaleResult struct {
	Tenants int
	Tables  int
	Build   []ScaleBuild // the database grown to each stage (setup, timed apart)
	Fleet   []ScaleFleet // a fleet migration at each stage
	NoOp    Run          // a migration with nothing to apply, at the end
	Lookup  Stats        // Host lookups on a cold cache, one query each
	HTTP    HTTPPoint    // GET /api/items/?limit=20 rotating over every tenant's host
	Loader  string       // "wrk" or "tenantry bench load"
	// ServerRSS is this process's resident memory after the HTTP load: the
	// server, its registry cache of every host and the benchmark's own data.
	ServerRSS               int64
	CreateSpare, CreateCold Stats // tenant create with Tenants present
	List                    Stats // every tenant listed (tenantry tenant list, the platform list)
}

// ScaleBuild is the database grown to Tenants tenants.
type ScaleBuild struct {
	Tenants int
	Took    time.Duration
	Rate    float64 // tenants built per second
}

// ScaleFleet is a fleet migration across Schemas tenant schemas.
type ScaleFleet struct {
	Schemas int
	Run     Run
}

// Scale builds a database of opts.Tenants tenants of the reference
// application (items) with the synthetic application's tables added (each
// tenant with an owner and 20 items), growing it stage by
// stage and timing a fleet migration (a column and a table) at each stage,
// then a migration with nothing to apply, Host lookups on a cold registry
// cache, the HTTP items list rotating over every tenant's host, the
// server's resident memory, tenant creates (from the spare pool and cold)
// and the list of every tenant. The tenants are built in bulk, several to
// a transaction that does not wait for its commit to reach the disk, by
// the provisioner's own CreateTx: each is what provisioning makes.
func Scale(ctx context.Context, cfg *Config, opts ScaleOptions) (res *ScaleResult, err error) {
	opts = opts.withDefaults()
	if opts.LoadCommand == nil && opts.Wrk == "" {
		return nil, errors.New("bench: ScaleOptions.LoadCommand or ScaleOptions.Wrk is required")
	}
	// The builder connects on its own (buildChunk); the pool serves the
	// fleet runs, the server and the measurements.
	s, err := start(ctx, cfg, opts.Parallel+serverConns+2)
	if err != nil {
		return nil, err
	}
	defer s.end(ctx, &err)
	res = &ScaleResult{Tenants: opts.Tenants, Tables: s.cfg.Tables}
	if err := s.measureScale(ctx, opts, res); err != nil {
		return nil, err
	}
	res.print(s.cfg.Out, opts)
	return res, nil
}

func (o ScaleOptions) withDefaults() ScaleOptions {
	o.Tenants = orDefault(o.Tenants, 10_000)
	if len(o.Stages) == 0 {
		o.Stages = []int{100, 1000}
	}
	o.Stages = append(slices.DeleteFunc(slices.Clone(o.Stages), func(n int) bool { return n >= o.Tenants || n < 1 }), o.Tenants)
	slices.Sort(o.Stages)
	o.Stages = slices.Compact(o.Stages)
	o.Parallel = orDefault(o.Parallel, DefaultParallel)
	o.Workers = orDefault(o.Workers, 2)
	o.PerTx = orDefault(o.PerTx, 10)
	o.Creates = orDefault(o.Creates, 10)
	o.Lookups = orDefault(o.Lookups, 2000)
	o.Clients = orDefault(o.Clients, 32)
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	return o
}

// measureScale grows the database stage by stage, migrating the fleet at
// each, then takes the measurements of a database at full size.
func (s *session) measureScale(ctx context.Context, opts ScaleOptions, res *ScaleResult) error {
	base, err := appSetOn(items.TenantSet(), s.cfg.Tables)
	if err != nil {
		return err
	}
	b, err := newBuilder(s, opts)
	if err != nil {
		return err
	}
	current := base
	for k, stage := range opts.Stages {
		build, err := b.growTo(ctx, current, stage)
		if err != nil {
			return err
		}
		res.Build = append(res.Build, build)
		s.maintainCatalogs(ctx)
		s.checkpoint(ctx)
		if current, err = changedSet(base, k+1); err != nil {
			return err
		}
		run, err := s.migrateFleet(ctx, s.fleetOf(current), opts.Parallel)
		if err != nil {
			return err
		}
		res.Fleet = append(res.Fleet, ScaleFleet{Schemas: stage, Run: run})
	}
	if res.NoOp, err = s.migrateFleet(ctx, s.fleetOf(current), opts.Parallel); err != nil {
		return err
	}
	return s.measureFullSize(ctx, opts, b, current, res)
}

// measureFullSize takes the measurements of the database at full size:
// lookups, HTTP, memory, creates and the list.
func (s *session) measureFullSize(ctx context.Context, opts ScaleOptions, b *builder, set *migrate.Set, res *ScaleResult) error {
	var err error
	if res.Lookup, err = s.coldLookups(ctx, opts.Tenants, opts.Lookups); err != nil {
		return err
	}
	if err := s.scaleHTTP(ctx, opts, b, res); err != nil {
		return err
	}
	if res.CreateSpare, res.CreateCold, err = s.timeCreates(ctx, set, opts.Creates); err != nil {
		return err
	}
	res.List, err = s.timeList(ctx)
	return err
}
