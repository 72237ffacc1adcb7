package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestScaleBuildsMigratesAndMeasuresEveryStage(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	ctx := context.Background()
	cfg := config(t, &out)
	cfg.Tables = 3
	res, err := Scale(ctx, cfg, ScaleOptions{Tenants: 5, Stages: []int{2}, PerTx: 2, Creates: 1, Lookups: 3,
		Clients: 2, Duration: time.Second, LoadCommand: loadCommand})
	if err != nil {
		t.Fatalf("Scale: %v", err)
	}
	t.Log("\n" + out.String())
	if len(res.Build) != 2 || res.Build[0].Tenants != 2 || res.Build[1].Tenants != 5 {
		t.Errorf("built %+v, want stages of 2 and 5 tenants", res.Build)
	}
	if len(res.Fleet) != 2 || res.Fleet[0].Run.Changed != 2 || res.Fleet[1].Run.Changed != 5 ||
		res.Fleet[0].Run.Failed+res.Fleet[1].Run.Failed != 0 {
		t.Errorf("fleet runs %+v, want 2 then 5 schemas changed, none failed", res.Fleet)
	}
	if res.NoOp.Changed != 0 || res.NoOp.UpToDate != 5 {
		t.Errorf("no-op run changed %d, found %d current; want 0 and 5", res.NoOp.Changed, res.NoOp.UpToDate)
	}
	if res.Lookup.N != 3 || res.CreateSpare.N != 1 || res.CreateCold.N != 1 || res.List.N != listRuns {
		t.Errorf("lookups %d, creates %d+%d, lists %d", res.Lookup.N, res.CreateSpare.N, res.CreateCold.N, res.List.N)
	}
	if res.HTTP.Tenants != 5 || res.HTTP.Requests == 0 || res.HTTP.Errors != 0 {
		t.Errorf("HTTP over every host: %+v, want requests to 5 hosts without errors", res.HTTP)
	}
	if res.ServerRSS <= 0 {
		t.Errorf("resident memory %d", res.ServerRSS)
	}
	for _, want := range []string{"fleet migration at 2 schemas", "fleet migration at 5 schemas", "nothing to apply", "cold cache", "resident memory"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
