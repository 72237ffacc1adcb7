package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/tenantry/tenantry/fleet"
)

// DefaultSweepSchemas is the number of tenant schemas Sweep creates by
// default: enough for a steady rate, few enough to set up in a minute.
const DefaultSweepSchemas = 100

// sweepParallel is the parallelism Sweep tries by default.
var sweepParallel = []int{1, 2, 4, 8}

// SweepPoint is the fleet migrations of one parallelism in Sweep: Run
// sums its two runs (Rate over both), Runs holds each.
type SweepPoint struct {
	Parallel int
	Run      Run
	Runs     []Run
}

// Sweep creates a database with schemas tenant schemas (default
// DefaultSweepSchemas) of the synthetic application once, then, for each
// value of parallel (default 1, 2, 4 and 8), times two fleet migrations,
// each of its own change (a column and a table, as in Fleet) across all of
// them: the values in order, then in reverse order (1 2 4 8 8 4 2 1), so
// that the fleet's growth and the machine's drift fall on every value
// alike. It prints one line per value and the fastest, and returns the
// points in the order of parallel. It is how DefaultParallel is chosen for a
// machine without paying the setup once per value.
func Sweep(ctx context.Context, cfg *Config, schemas int, parallel []int) (points []SweepPoint, err error) {
	schemas = orDefault(schemas, DefaultSweepSchemas)
	if len(parallel) == 0 {
		parallel = sweepParallel
	}
	s, err := start(ctx, cfg, max(slices.Max(parallel), setupWorkers)+1)
	if err != nil {
		return nil, err
	}
	defer s.end(ctx, &err)
	if points, err = s.sweep(ctx, schemas, parallel); err != nil {
		return nil, err
	}
	printSweep(s.cfg.Out, s.cfg.Tables, schemas, points)
	return points, nil
}

// sweep sets up the fleet and applies change k+1 with parallel[k] workers.
func (s *session) sweep(ctx context.Context, schemas int, parallel []int) ([]SweepPoint, error) {
	var res FleetResult
	set, err := s.setUp(ctx, schemas, &res.Setup)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(s.cfg.Out, "setup (not measured): %d tenants in %s\n", schemas, secs(res.Setup))
	points := make([]SweepPoint, len(parallel))
	order := append(slices.Clone(parallel), parallel...)
	slices.Reverse(order[len(parallel):])
	for k, p := range order {
		changed, err := changedSet(set, k+1)
		if err != nil {
			return nil, err
		}
		f := fleet.New(s.pool, &fleet.Config{Tenant: changed, Logger: s.cfg.Logger})
		run, err := s.migrateFleet(ctx, f, max(p, 1))
		if err != nil {
			return nil, err
		}
		i := k
		if k >= len(parallel) {
			i = len(order) - 1 - k
		}
		points[i].Parallel = p
		points[i].Runs = append(points[i].Runs, run)
	}
	for i := range points {
		points[i].Run = sumRuns(points[i].Runs)
	}
	return points, nil
}

// sumRuns adds runs up: their times, schemas and per-schema times, with
// the rate over the whole.
func sumRuns(runs []Run) Run {
	var sum Run
	var per []time.Duration
	for _, r := range runs {
		sum.Select += r.Select
		sum.Migrate += r.Migrate
		sum.Changed += r.Changed
		sum.Failed += r.Failed
		sum.UpToDate += r.UpToDate
		per = append(per, r.perSchema...)
	}
	sum.Rate = perSecond(sum.Changed, sum.Migrate)
	sum.PerSchema = summarize(per)
	return sum
}
