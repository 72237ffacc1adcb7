package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/tenanttest"
)

// refiller counts its calls.
type refiller struct{ calls atomic.Int32 }

func (r *refiller) Refill(context.Context) (int, error) {
	r.calls.Add(1)
	return 1, nil
}

func TestRefillIsEnqueuedOnceWhileOneWaits(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	j := inserter(t, env)
	for range 3 {
		inTx(t, env, func(tx pgx.Tx) error { return j.EnqueueRefill(ctx, tx) })
	}
	var n int
	if err := env.Pool.QueryRow(ctx, "SELECT count(*) FROM public.river_job WHERE kind = $1", jobs.KindRefill).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d refill jobs after three enqueues, want 1", n)
	}
}

func TestRefillRunsOnStartAndPeriodically(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	r := &refiller{}
	start(t, env, jobs.Config{Refiller: r, RefillEvery: 300 * time.Millisecond})
	waitFor(t, "a refill on start", func() bool { return r.calls.Load() >= 1 })
	waitFor(t, "a periodic refill", func() bool { return r.calls.Load() >= 2 })
}

func TestEnqueueRefillWithoutRefillerFails(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	j, err := jobs.New(jobs.Config{Pool: env.Pool, DB: env.DB, Mailer: &outbox{}})
	if err != nil {
		t.Fatal(err)
	}
	err = pgx.BeginFunc(context.Background(), env.Pool, func(tx pgx.Tx) error {
		return j.EnqueueRefill(context.Background(), tx)
	})
	if err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("EnqueueRefill without a Refiller = %v, want an error", err)
	}
}

// A running refill may have counted the spares before the claim that
// calls for another, or be stuck in a process that died: it does not hold
// up the next one.
func TestRefillIsEnqueuedWhileOneRuns(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	j := inserter(t, env)
	inTx(t, env, func(tx pgx.Tx) error { return j.EnqueueRefill(ctx, tx) })
	if _, err := env.Pool.Exec(ctx, `UPDATE public.river_job SET state = 'running', attempt = 1,
		attempted_at = now() WHERE kind = $1`, jobs.KindRefill); err != nil {
		t.Fatal(err)
	}
	inTx(t, env, func(tx pgx.Tx) error { return j.EnqueueRefill(ctx, tx) })
	var running, waiting int
	err := env.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'running'),
		count(*) FILTER (WHERE state = 'available') FROM public.river_job WHERE kind = $1`, jobs.KindRefill).Scan(&running, &waiting)
	if err != nil {
		t.Fatal(err)
	}
	if running != 1 || waiting != 1 {
		t.Errorf("%d running and %d waiting refill jobs, want 1 and 1", running, waiting)
	}
}
