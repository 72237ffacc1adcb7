package limits_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/mail"
	"github.com/tenantry/tenantry/tenanttest"
)

type slowArgs struct {
	jobs.TenantArgs
	N int `json:"n"`
}

func (slowArgs) Kind() string { return "test.slow" }

// slowWorker signals when a job starts and waits for the test to let it
// finish.
type slowWorker struct {
	river.WorkerDefaults[slowArgs]
	started chan int64
	finish  chan struct{}
}

func (w *slowWorker) Work(ctx context.Context, job *river.Job[slowArgs]) error {
	w.started <- job.Args.TenantID
	select {
	case <-w.finish:
	case <-ctx.Done():
	}
	return nil
}

type discard struct{}

func (discard) Send(context.Context, mail.Message) error { return nil }

// TestTenantJobsAreCappedByThePlan: a tenant on max_jobs 1 with three jobs
// queued runs one at a time, put off (snoozed) while one runs, and another
// tenant's job runs meanwhile; all complete.
func TestTenantJobsAreCappedByThePlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	noisy, quiet := env.CreateTenant(t, "noisy"), env.CreateTenant(t, "quiet")
	savePlan(t, env, limits.Plan{Name: "one-job", MaxJobs: 1})
	assign(t, env, "noisy", "one-job")
	gate := limits.NewJobGate(limits.NewPlans(env.Pool, nil), 50*time.Millisecond)
	w := &slowWorker{started: make(chan int64, 10), finish: make(chan struct{})}
	j, err := jobs.New(jobs.Config{Pool: env.Pool, DB: env.DB, Mailer: discard{}, Workers: 5, Limiter: gate,
		AppWorkers: []jobs.Registration{jobs.AppWorker[slowArgs](w)},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var finishOnce sync.Once
	finish := func() { finishOnce.Do(func() { close(w.finish) }) }
	t.Cleanup(func() { finish(); _ = j.Stop(ctx) })
	for i := range 3 {
		if err := j.Enqueue(ctx, slowArgs{TenantArgs: jobs.TenantArgs{TenantID: noisy.ID}, N: i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Enqueue(ctx, slowArgs{TenantArgs: jobs.TenantArgs{TenantID: quiet.ID}}); err != nil {
		t.Fatal(err)
	}
	got := map[int64]int{}
	for range 2 {
		got[<-w.started]++
	}
	if got[noisy.ID] != 1 || got[quiet.ID] != 1 {
		t.Fatalf("jobs started: %v; want one of each tenant", got)
	}
	// The noisy tenant's other two are put off while its first runs.
	waitFor(t, func() bool { return snoozed(t, env) >= 2 })
	if n := gate.Running(noisy.ID); n != 1 {
		t.Errorf("noisy tenant has %d jobs running, want 1", n)
	}
	select {
	case id := <-w.started:
		t.Fatalf("a job of tenant %d started while the noisy one had its one running", id)
	default:
	}
	finish()
	waitFor(t, func() bool { return completed(t, env) == 4 })
}

func snoozed(t *testing.T, env *tenanttest.Env) int {
	// River counts a snooze in the job's metadata and gives the attempt back.
	return countJobs(t, env, `SELECT count(*) FROM public.river_job WHERE kind = 'test.slow'
		AND state IN ('available', 'scheduled') AND (metadata->>'snoozes')::int >= 1`)
}

func completed(t *testing.T, env *tenanttest.Env) int {
	return countJobs(t, env, "SELECT count(*) FROM public.river_job WHERE kind = 'test.slow' AND state = 'completed'")
}

func countJobs(t *testing.T, env *tenanttest.Env, sql string) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
