package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
)

// listRuns is the number of times Scale lists every tenant.
const listRuns = 5

// registry returns a new registry on the session's pool: its cache empty.
func (s *session) registry() *registry.Registry { return registry.New(s.pool, nil) }

// coldLookups looks up n hosts chosen at random among tenants 1..tenants,
// each once, on a registry whose cache is empty: each lookup is a query.
func (s *session) coldLookups(ctx context.Context, tenants, n int) (Stats, error) {
	reg := s.registry()
	ds := make([]time.Duration, 0, n)
	for _, i := range rand.Perm(tenants)[:min(n, tenants)] {
		host := tenantRequest("t", i+1).Domain
		start := time.Now()
		if _, err := reg.Lookup(ctx, host); err != nil {
			return Stats{}, fmt.Errorf("bench: look up %s: %w", host, err)
		}
		ds = append(ds, time.Since(start))
	}
	return summarize(ds), nil
}

// scaleHTTP serves the reference API and loads it rotating over every
// tenant's host, then reads the process's resident memory.
func (s *session) scaleHTTP(ctx context.Context, opts ScaleOptions, b *builder, res *ScaleResult) error {
	targets, err := b.targets(ctx)
	if err != nil {
		return err
	}
	url, stop, err := s.serve(ctx, b.signer)
	if err != nil {
		return err
	}
	defer stop()
	hopts := HTTPOptions{LoadCommand: opts.LoadCommand, Wrk: opts.Wrk}
	res.Loader = "tenantry bench load"
	if opts.Wrk != "" {
		res.Loader = "wrk"
	}
	p, err := runLoad(ctx, hopts, LoadSpec{URL: url + itemsRoute + "?limit=20", Targets: targets, Clients: opts.Clients, Duration: opts.Duration})
	if err != nil {
		return err
	}
	res.HTTP = HTTPPoint{Tenants: len(targets), Clients: opts.Clients, Route: itemsRoute, LoadResult: p}
	res.ServerRSS, err = residentMemory()
	return err
}

// residentMemory is this process's resident set (VmRSS), in bytes.
func residentMemory() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("bench: read resident memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("bench: read resident memory %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("bench: no VmRSS in /proc/self/status")
}

// timeCreates creates n tenants from the spare pool (filled first, untimed)
// and n cold, alternating, with the database at full size.
func (s *session) timeCreates(ctx context.Context, set *migrate.Set, n int) (spare, cold Stats, err error) {
	sr := newSpareRun(s.pool, set, n)
	if _, err := sr.p.Refill(ctx); err != nil {
		return Stats{}, Stats{}, fmt.Errorf("bench: fill the spare pool: %w", err)
	}
	cp := provision.New(s.pool, &provision.Config{TenantMigrations: set})
	var ss, cs []time.Duration
	for i := 1; i <= n; i++ {
		d, err := sr.timeCreate(ctx, i)
		if err != nil {
			return Stats{}, Stats{}, err
		}
		ss = append(ss, d)
		if d, err = timeCreate(ctx, cp, i, false); err != nil {
			return Stats{}, Stats{}, err
		}
		cs = append(cs, d)
	}
	return summarize(ss), summarize(cs), nil
}

// timeList lists every tenant listRuns times, as tenantry tenant list and
// the platform list do.
func (s *session) timeList(ctx context.Context) (Stats, error) {
	reg := s.registry()
	ds := make([]time.Duration, 0, listRuns)
	for range listRuns {
		start := time.Now()
		if _, err := reg.List(ctx); err != nil {
			return Stats{}, fmt.Errorf("bench: list tenants: %w", err)
		}
		ds = append(ds, time.Since(start))
	}
	return summarize(ds), nil
}

func (r *ScaleResult) print(out io.Writer, opts ScaleOptions) {
	fmt.Fprintf(out, "\nscale: %d tenants of a %d-table app, each with an owner and %d items\n", r.Tenants, r.Tables, scaleItems)
	t := newTable(out)
	t.row("  what", "figure", "", "target")
	for _, b := range r.Build {
		t.row(fmt.Sprintf("  setup: grown to %d tenants", b.Tenants), secs(b.Took), fmt.Sprintf("%.1f tenants/s, %d per transaction, %d at once", b.Rate, opts.PerTx, opts.Workers), "(not a target)")
	}
	for _, f := range r.Fleet {
		t.row(fmt.Sprintf("  fleet migration at %d schemas", f.Schemas), fmt.Sprintf("%.1f schemas/s", f.Run.Rate),
			fmt.Sprintf("%d changed, %d failed in %s, parallel=%d", f.Run.Changed, f.Run.Failed, secs(f.Run.Migrate), opts.Parallel),
			fmt.Sprintf(">= %.0f schemas/s, flat", FleetRateTarget), verdict(f.Run.Rate >= FleetRateTarget))
	}
	t.row(fmt.Sprintf("  migrate, nothing to apply, %d schemas", r.Tenants), secs(r.NoOp.Total()),
		fmt.Sprintf("select %s + migrate %s", secs(r.NoOp.Select), secs(r.NoOp.Migrate)), "< 1 s", verdict(r.NoOp.Total() < time.Second))
	t.row("  Host lookup, cold cache", "p99 "+ms(r.Lookup.P99), r.Lookup.String(), "")
	t.row(fmt.Sprintf("  GET /api/items/ over %d hosts (%s, %d clients)", r.HTTP.Tenants, r.Loader, r.HTTP.Clients),
		fmt.Sprintf("%.0f requests/s", r.HTTP.RPS()), fmt.Sprintf("p50 %s, p99 %s, %d errors", ms(r.HTTP.P50), ms(r.HTTP.P99), r.HTTP.Errors),
		">= 5,000/s, p99 <= 20 ms", verdict(r.HTTP.RPS() >= 5000 && r.HTTP.P99 <= 20*time.Millisecond))
	t.row("  server resident memory", fmt.Sprintf("%.0f MiB", float64(r.ServerRSS)/(1<<20)), "after the load (the benchmark's own data included)", "")
	t.row("  tenant create from the spare pool", "p50 "+ms(r.CreateSpare.P50), r.CreateSpare.String(), "p50 <= 10 ms", verdict(r.CreateSpare.P50 <= 10*time.Millisecond))
	t.row("  tenant create, cold", "p50 "+ms(r.CreateCold.P50), r.CreateCold.String(), "", "")
	t.row(fmt.Sprintf("  list every tenant (%d)", r.Tenants+2*r.CreateSpare.N), "p50 "+ms(r.List.P50), r.List.String()+" (tenant list, platform list)", "")
	t.flush()
}
