package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// blockingSeed is a seed hook that writes an item, says it has started and
// waits for release or for its context to end.
type blockingSeed struct {
	started chan struct{}
	release chan struct{}
	ctxErr  chan error // the hook's context error when it returns
}

func newBlockingSeed() *blockingSeed {
	return &blockingSeed{started: make(chan struct{}), release: make(chan struct{}), ctxErr: make(chan error, 1)}
}

func (b *blockingSeed) hook(ctx context.Context, tx *tenantdb.Tx, t *tenantry.Tenant) error {
	if err := insertItem(ctx, tx, "seeded"); err != nil {
		return err
	}
	close(b.started)
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	b.ctxErr <- ctx.Err()
	return ctx.Err()
}

func (b *blockingSeed) waitStarted(t *testing.T) {
	t.Helper()
	select {
	case <-b.started:
	case <-time.After(waitLimit):
		t.Fatal("the seed job did not start")
	}
}

func TestStopLetsRunningJobsFinish(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, withItems)
	alpha := env.CreateTenant(t, "alpha")
	seed := newBlockingSeed()
	j := start(t, env, jobs.Config{Seeds: []jobs.SeedFunc{seed.hook}})
	inTx(t, env, func(tx pgx.Tx) error { return j.EnqueueSeed(context.Background(), tx, alpha.ID) })
	seed.waitStarted(t)
	stopped := make(chan error, 1)
	go func() { stopped <- j.Stop(context.Background()) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a job was running", err)
	default:
	}
	close(seed.release)
	if err := <-stopped; err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := <-seed.ctxErr; err != nil {
		t.Errorf("the running job's context ended (%v) during a graceful stop", err)
	}
	if r, _ := lastJob(t, env, jobs.KindSeed, alpha.ID); r.State != "completed" {
		t.Errorf("seed job after Stop = %+v, want completed", r)
	}
	if got := countItems(t, env, alpha); got != 1 {
		t.Errorf("alpha has %d items, want the committed 1", got)
	}
}

func TestStopCancelsRunningJobsWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, withItems)
	alpha := env.CreateTenant(t, "alpha")
	seed := newBlockingSeed()
	j := start(t, env, jobs.Config{Seeds: []jobs.SeedFunc{seed.hook}})
	inTx(t, env, func(tx pgx.Tx) error { return j.EnqueueSeed(context.Background(), tx, alpha.ID) })
	seed.waitStarted(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := j.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop with an expiring context = %v, want DeadlineExceeded", err)
	}
	if err := <-seed.ctxErr; err == nil {
		t.Error("the running job's context was not cancelled")
	}
	if r, _ := lastJob(t, env, jobs.KindSeed, alpha.ID); r.State == "completed" {
		t.Errorf("seed job after a hard stop = %+v, want it left for a retry", r)
	}
	if got := countItems(t, env, alpha); got != 0 {
		t.Errorf("alpha has %d items, want none: the cancelled job's transaction rolls back", got)
	}
}
