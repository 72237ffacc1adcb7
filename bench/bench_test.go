package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

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
	if res.Cold.N != 2 || res.WithAdmin.N != adminRuns || res.RawDDL.N != rawRuns || res.Hash.N != adminRuns {
		t.Errorf("counts: cold %d, admin %d, raw %d, hash %d", res.Cold.N, res.WithAdmin.N, res.RawDDL.N, res.Hash.N)
	}
	if res.Cold.Min <= 0 || res.Cold.Min > res.Cold.P50 || res.Cold.P50 > res.Cold.Max {
		t.Errorf("cold statistics out of order: %+v", res.Cold)
	}
	if !strings.Contains(out.String(), "no admin user") || !strings.Contains(out.String(), "target p50 < 250.0 ms") {
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
	if res.Changed != 5 || res.Failed != 0 || res.Migrated != 5 || res.UpToDate != 5 {
		t.Errorf("changed %d, failed %d, migrated %d, up to date %d; want 5, 0, 5, 5",
			res.Changed, res.Failed, res.Migrated, res.UpToDate)
	}
	if res.PerSchema.N != 5 || res.Rate <= 0 {
		t.Errorf("per-schema count %d, rate %.1f", res.PerSchema.N, res.Rate)
	}
	if !strings.Contains(out.String(), "schemas/s") {
		t.Errorf("output lacks the rate:\n%s", out.String())
	}
}

func TestSummarizeUsesNearestRank(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	got := summarize(ds)
	want := Stats{N: 10, P50: 5, P90: 9, Min: 1, Max: 10}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
}
