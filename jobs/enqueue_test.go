package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/tenanttest"
)

// inserter returns an InsertOnly client on env, as an API server whose
// jobs are worked elsewhere has.
func inserter(t *testing.T, env *tenanttest.Env) *jobs.Jobs {
	t.Helper()
	j, err := jobs.New(jobs.Config{Pool: env.Pool, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestEnqueueFollowsItsTransaction(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	j := inserter(t, env)
	tx, err := env.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.EnqueueEmail(ctx, tx, hello); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if r, ok := lastJob(t, env, jobs.KindEmail, 0); ok {
		t.Fatalf("a job enqueued in a rolled-back transaction exists: %+v", r)
	}
	// A transaction whose search_path does not reach public, as a tenant
	// transaction's reaches the tenant's schema first.
	inTx(t, env, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('search_path', 'pg_catalog', true)"); err != nil {
			return err
		}
		return j.EnqueueEmail(ctx, tx, hello)
	})
	r, ok := lastJob(t, env, jobs.KindEmail, 0)
	if !ok || r.State != "available" {
		t.Fatalf("job enqueued in a committed transaction = %+v, %v; want it available", r, ok)
	}
	job, err := j.Client().JobGet(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	args, err := decodeArgs[jobs.EmailArgs](job)
	if err != nil || args.Message.Subject != "Hello" || job.MaxAttempts != 10 {
		t.Errorf("inserted %+v (%v) with %d attempts, want the message with 10", args, err, job.MaxAttempts)
	}
}

func decodeArgs[T river.JobArgs](job *rivertype.JobRow) (T, error) {
	var args T
	err := json.Unmarshal(job.EncodedArgs, &args)
	return args, err
}

func TestEnqueueRefusesBadArguments(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	j := inserter(t, env)
	cases := map[string]struct {
		enqueue func(tx pgx.Tx) error
		field   string
	}{
		"seed without tenant": {func(tx pgx.Tx) error { return j.EnqueueSeed(ctx, tx, 0) }, "tenant_id"},
		"welcome without tenant": {func(tx pgx.Tx) error {
			return j.EnqueueWelcome(ctx, tx, -1, 1, "https://a.test/")
		}, "tenant_id"},
		"welcome with relative URL":   {func(tx pgx.Tx) error { return j.EnqueueWelcome(ctx, tx, 1, 1, "/login") }, "url"},
		"welcome with javascript URL": {func(tx pgx.Tx) error { return j.EnqueueWelcome(ctx, tx, 1, 1, "javascript:alert(1)") }, "url"},
		"email without recipient": {func(tx pgx.Tx) error {
			return j.EnqueueEmail(ctx, tx, jobs.EmailArgs{}.Message)
		}, "to"},
	}
	for name, c := range cases {
		err := pgx.BeginFunc(ctx, env.Pool, c.enqueue)
		var ve *tenantry.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%s: %v, want a *ValidationError for %s", name, err, c.field)
		}
	}
	var n int
	if err := env.Pool.QueryRow(ctx, "SELECT count(*) FROM public.river_job").Scan(&n); err != nil || n != 0 {
		t.Errorf("%d jobs after refused enqueues (%v), want none", n, err)
	}
}

// An API server that only enqueues hands work to a worker process.
func TestInsertOnlyClientEnqueuesForAWorker(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	api := inserter(t, env)
	if err := api.Start(ctx); err == nil {
		t.Error("Start of an InsertOnly client succeeded, want an error")
	}
	if err := api.Enqueue(ctx, jobs.EmailArgs{Message: hello}); err != nil {
		t.Fatal(err)
	}
	box := &outbox{}
	start(t, env, jobs.Config{Mailer: box})
	if r := waitFinal(t, env, jobs.KindEmail, 0); r.State != "completed" {
		t.Fatalf("email job = %+v, want completed by the worker", r)
	}
	if _, sent, _ := box.snapshot(); len(sent) != 1 {
		t.Errorf("the worker sent %d messages, want 1", len(sent))
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	cases := map[string]jobs.Config{
		"Pool":        {DB: env.DB, Mailer: &outbox{}},
		"DB":          {Pool: env.Pool, Mailer: &outbox{}},
		"Mailer":      {Pool: env.Pool, DB: env.DB},
		"Workers":     {Pool: env.Pool, DB: env.DB, Mailer: &outbox{}, Workers: -1},
		"RefillEvery": {Pool: env.Pool, DB: env.DB, Mailer: &outbox{}, RefillEvery: -1},
		"AppWorkers":  {Pool: env.Pool, DB: env.DB, Mailer: &outbox{}, AppWorkers: []jobs.Registration{{}}},
		"Timeouts.Mail": {Pool: env.Pool, DB: env.DB, Mailer: &outbox{},
			Timeouts: jobs.Timeouts{Mail: -time.Second}},
		"RescueAfter": {Pool: env.Pool, DB: env.DB, Mailer: &outbox{}, RescueAfter: -1},
		"Timeouts.Other": {Pool: env.Pool, DB: env.DB, Mailer: &outbox{}, // a rescue before River's timeout
			RescueAfter: time.Second, Timeouts: jobs.Timeouts{Other: time.Minute}},
	}
	for field, cfg := range cases {
		if _, err := jobs.New(cfg); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("New without a valid %s = %v, want an error naming it", field, err)
		}
	}
}
