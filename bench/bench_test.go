package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/tenanttest"
)

// loadChild, set in the environment, makes the test binary the load
// generator process (Load) instead of running the tests.
const loadChild = "TENANTRY_BENCH_TEST_LOAD"

func TestMain(m *testing.M) {
	if os.Getenv(loadChild) == "1" {
		if err := Load(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	tenanttest.Main(m)
}

// loadCommand runs this test binary as the load generator.
func loadCommand(ctx context.Context) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), loadChild+"=1")
	return cmd
}

func config(t *testing.T, out *bytes.Buffer) *Config {
	t.Helper()
	return &Config{AdminURL: tenanttest.AdminURL(t), Out: out, Tables: 5}
}

func TestProvisionTimesEveryTenant(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	res, err := Provision(context.Background(), config(t, &out), 2)
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	t.Log("\n" + out.String())
	if res.Cold.N != 2 || res.Spare.N != 2 || res.WithAdmin.N != adminRuns || res.RawDDL.N != 2 ||
		res.Hash.N != adminRuns || res.Spares != 3 {
		t.Errorf("counts: cold %d, spare %d, admin %d, raw %d, hash %d, spares made %d",
			res.Cold.N, res.Spare.N, res.WithAdmin.N, res.RawDDL.N, res.Hash.N, res.Spares)
	}
	for _, st := range []Stats{res.Cold, res.Spare} {
		if st.Min <= 0 || st.Min > st.P50 || st.P50 > st.Max {
			t.Errorf("statistics out of order: %+v", st)
		}
	}
	if !strings.Contains(out.String(), "no admin user") || !strings.Contains(out.String(), "target p50 < 250.0 ms") ||
		!strings.Contains(out.String(), "from spare pool") || !strings.Contains(out.String(), "target p50 < 10.0 ms") {
		t.Errorf("output lacks the run's description or target:\n%s", out.String())
	}
}

func TestFleetMigratesEverySchema(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	res, err := Fleet(context.Background(), config(t, &out), 5, 2)
	if err != nil {
		t.Fatalf("Fleet: %v", err)
	}
	t.Log("\n" + out.String())
	c, z := res.Change, res.NoOp
	if c.Changed != 5 || c.Failed != 0 || res.Migrated != 5 || z.UpToDate != 5 || z.Changed != 0 {
		t.Errorf("changed %d, failed %d, migrated %d, up to date %d then %d changed; want 5, 0, 5, 5, 0",
			c.Changed, c.Failed, res.Migrated, z.UpToDate, z.Changed)
	}
	if c.PerSchema.N != 5 || c.Rate <= 0 {
		t.Errorf("per-schema count %d, rate %.1f", c.PerSchema.N, c.Rate)
	}
	if !strings.Contains(out.String(), "schemas/s") {
		t.Errorf("output lacks the rate:\n%s", out.String())
	}
}

func TestSweepAppliesOneChangePerParallelism(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	points, err := Sweep(context.Background(), config(t, &out), 3, []int{1, 2})
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	t.Log("\n" + out.String())
	if len(points) != 2 {
		t.Fatalf("got %d points, want 2", len(points))
	}
	for i, p := range points {
		if p.Parallel != []int{1, 2}[i] || len(p.Runs) != 2 || p.Run.Changed != 6 || p.Run.Failed != 0 || p.Run.PerSchema.N != 6 {
			t.Errorf("parallel=%d: %d runs, changed %d, failed %d; want two runs of 3 each, none failed", p.Parallel, len(p.Runs), p.Run.Changed, p.Run.Failed)
		}
	}
}

func TestSummarizeUsesNearestRank(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	got := summarize(ds)
	want := Stats{N: 10, P50: 5, P90: 9, P99: 10, Min: 1, Max: 10}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
}
