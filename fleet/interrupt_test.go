package fleet_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tenantry/tenantry/fleet"
)

// TestMigrateInterruptedLeavesTheRestForTheNextRun ends the run's context
// once two schemas are done (one worker): the run stops with
// ErrInterrupted, the schemas not started are counted as not reached, none
// is reported or recorded as failed, and the next run migrates the rest.
func TestMigrateInterruptedLeavesTheRestForTheNextRun(t *testing.T) {
	env := setup(t, "alpha", "beta", "gamma", "delta")
	f := newFleet(t, env.Pool, addNotes())
	schemas := selectSchemas(t, f, fleet.Selector{Dynamic: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	report, err := f.Migrate(ctx, schemas, &fleet.Options{Parallel: 1, Progress: func(done, _ int, _ fleet.Result) {
		if done == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, fleet.ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrInterrupted wrapping context.Canceled", err)
	}
	// The third schema may have started before the worker saw the end.
	if report.Changed != 2 || report.Failed != 0 || report.Interrupted+report.NotReached != 2 || report.Complete() {
		t.Errorf("report changed %d failed %d interrupted %d not reached %d; want 2, 0 and 2 between the last two",
			report.Changed, report.Failed, report.Interrupted, report.NotReached)
	}
	for _, res := range report.Results {
		if res.Err != nil || (res.Interrupted && (res.To != res.From || res.Applied != nil)) {
			t.Errorf("result %+v: an interruption is not a failure and applies nothing", res)
		}
	}
	for schema, st := range states(t, env.Pool) {
		if st.LastError != nil {
			t.Errorf("fleet summary of %s records an error: %s", schema, *st.LastError)
		}
	}
	again := migrateOK(t, f, schemas, nil)
	if again.Changed != 2 || again.UpToDate != 2 || !again.Complete() {
		t.Errorf("second run changed %d, up to date %d; want 2 and 2", again.Changed, again.UpToDate)
	}
	for _, s := range names(schemas) {
		if got := ledger(t, env.Pool, s); !slices.Equal(got, labelsUpTo(t, next())) {
			t.Errorf("ledger of %s = %v, want %v", s, got, labelsUpTo(t, next()))
		}
	}
}

// TestExecInterruptedStopsStartingSchemas: Exec stops too, with
// ErrInterrupted, and reports each schema's migration version.
func TestExecInterruptedStopsStartingSchemas(t *testing.T) {
	env := setup(t, "alpha", "beta", "gamma")
	f := newFleet(t, env.Pool)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	report, err := f.Exec(ctx, selectSchemas(t, f, fleet.Selector{Dynamic: true}), "INSERT INTO items (name) VALUES ('x')",
		&fleet.Options{Parallel: 1, Progress: func(done, _ int, _ fleet.Result) {
			if done == 1 {
				cancel()
			}
		}})
	if !errors.Is(err, fleet.ErrInterrupted) || report.Changed != 1 || report.Failed != 0 || report.Interrupted+report.NotReached != 2 {
		t.Fatalf("err %v, report %+v; want ErrInterrupted after one schema", err, report)
	}
	if res := report.Results[0]; res.From != next()-1 || res.To != res.From {
		t.Errorf("exec result %+v, want from and to at the schema's version %d", res, next()-1)
	}
	if n := countItems(t, env.Pool, "tenant_gamma"); n != 0 {
		t.Errorf("a schema not reached got %d items", n)
	}
}
