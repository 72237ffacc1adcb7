package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/examples/items"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
	"github.com/tenantry/tenantry/tenanttest/smtptest"
)

// TestHungMailServerLeavesHTTPServing runs "tenantry serve" with its
// default pools against a mail server that accepts connections and never
// answers. A dozen welcome jobs wait on it, and while they all still do,
// requests and /readyz are answered and no session of the database sits in
// a transaction.
func TestHungMailServerLeavesHTTPServing(t *testing.T) {
	url := setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "demo")
	hung := smtptest.StartHung(t)
	const stuck = 12
	_, lines := startTenantry(t, []string{"TENANTRY_ADDR=127.0.0.1:0", "TENANTRY_SMTP_URL=" + hung.URL,
		"TENANTRY_WORKERS=" + fmt.Sprint(stuck), "TENANTRY_SPARES=0",
		"TENANTRY_SECRET_KEY=a-test-secret-that-is-at-least-32-bytes-long"}, "serve")
	addr := waitFor(t, lines, "serving")["addr"].(string)

	pool := tenanttest.Pool(t, url)
	enqueueWelcomes(t, pool, stuck)
	stillStuck := func() bool {
		return jobStates(t, pool, jobs.KindWelcome)["running"] == stuck && hung.Open() == stuck
	}
	waitLong(t, "every welcome job waiting on the mail server", stillStuck)

	for _, err := range requestMany(addr, 3*defaultPoolHTTP) {
		t.Error(err)
	}
	if idle := tenanttest.IdleInTransaction(t, pool); len(idle) != 0 {
		t.Errorf("sessions idle in a transaction while the mail waits: %q", idle)
	}
	if !stillStuck() {
		t.Fatalf("the welcome jobs stopped waiting (%v, %d connections open) before the requests were checked",
			jobStates(t, pool, jobs.KindWelcome), hung.Open())
	}
}

// enqueueWelcomes queues n welcome mails for the demo user of school1.
func enqueueWelcomes(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	tenantID, userID := demoUserIDs(t, pool)
	j, err := jobs.New(jobs.Config{Pool: pool, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	err = pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		for range n {
			if err := j.EnqueueWelcome(context.Background(), tx, tenantID, userID, "http://school1.localhost/"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// requestMany sends n requests at once to the server at addr, half of them
// a tenant's API and half /readyz, and returns what went wrong.
func requestMany(addr string, n int) []error {
	client := &http.Client{Timeout: 30 * time.Second}
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		host, path := "school1.localhost", "/api/tenant/"
		if i%2 == 1 {
			host, path = "127.0.0.1", "/readyz"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- get(client, addr, host, path)
		}()
	}
	wg.Wait()
	close(errs)
	var failed []error
	for err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	return failed
}

// get requests path on host from the server at addr and expects 200.
func get(client *http.Client, addr, host, path string) error {
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return err
	}
	req.Host = host
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s on %s: %w", path, host, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s on %s: %d %s", path, host, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

// TestKilledWorkersJobsAreRescued runs "tenantry worker" as a process, lets
// it take a welcome mail that waits on a hung mail server and a refill
// that waits on a lock, and kills it with SIGKILL. Both jobs stay running.
// A refill queued after the kill is not held up by the stuck one, and a new
// worker, with a short rescue delay, rescues and completes both.
func TestKilledWorkersJobsAreRescued(t *testing.T) {
	url := setupCLI(t)
	t.Setenv("TENANTRY_SPARES", "2")
	mustRun(t, "migrate")
	mustRun(t, "demo")
	ctx := context.Background()
	pool := tenanttest.Pool(t, url)
	hung := smtptest.StartHung(t)

	// The refill deletes from the fleet summary after taking the spare
	// pool's lock: a SHARE lock held here makes it wait.
	blocker, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback(ctx)
	if _, err := blocker.Exec(ctx, "LOCK TABLE public.tenantry_schema_state IN SHARE MODE"); err != nil {
		t.Fatal(err)
	}
	enqueueWelcomes(t, pool, 1)
	cmd, _ := startTenantry(t, []string{"TENANTRY_SMTP_URL=" + hung.URL}, "worker")
	waitLong(t, "the worker stuck on the mail and on the refill", func() bool {
		return jobStates(t, pool, jobs.KindWelcome)["running"] == 1 && hung.Open() == 1 &&
			jobStates(t, pool, jobs.KindRefill)["running"] >= 1 && lockWaiters(t, pool) >= 1
	})
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	stuckRefills := jobStates(t, pool, jobs.KindRefill)["running"]
	if s := jobStates(t, pool, jobs.KindWelcome); s["running"] != 1 || stuckRefills < 1 {
		t.Fatalf("after the kill: welcome %v, %d refills running; want them left running", s, stuckRefills)
	}

	queueRefill(t, pool)
	if s := jobStates(t, pool, jobs.KindRefill); s["available"] != 1 {
		t.Fatalf("refills after one was queued behind the stuck ones: %v, want one available", s)
	}
	if err := blocker.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	smtp := smtptest.Start(t)
	startRescuer(t, pool, smtp.URL)
	smtp.WaitFor(t, "demo@school1.example.com", jobWait, "Welcome to")
	waitLong(t, "every job completed", func() bool {
		w, r := jobStates(t, pool, jobs.KindWelcome), jobStates(t, pool, jobs.KindRefill)
		return w["completed"] == 1 && len(w) == 1 && r["completed"] >= stuckRefills+1 && len(r) == 1
	})
	var attempt int
	var errs string
	err = pool.QueryRow(ctx, `SELECT attempt, array_to_string(errors, E'\n') FROM public.river_job
		WHERE kind = $1`, jobs.KindWelcome).Scan(&attempt, &errs)
	if err != nil || attempt != 2 || !strings.Contains(errs, "Stuck job rescued") {
		t.Errorf("welcome job: attempt %d, errors %q (%v); want completed at attempt 2 after a rescue", attempt, errs, err)
	}
	if out := mustRun(t, "spares", "--json"); strings.Count(out, `"current": true`) != 2 {
		t.Errorf("spares after the refills: %s; want 2 current", out)
	}
}

// lockWaiters counts the sessions of pool's database waiting for a lock.
func lockWaiters(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// queueRefill queues a refill as a claim does.
func queueRefill(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	j, err := jobs.New(jobs.Config{Pool: pool, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		return j.EnqueueRefill(context.Background(), tx)
	}); err != nil {
		t.Fatal(err)
	}
}

// startRescuer starts a worker in this process, wired as "tenantry worker"
// is but with short timeouts and rescue delay, sending mail to smtpURL.
// River's rescuer runs on the leader, which this worker becomes once the
// killed one's leadership expires.
func startRescuer(t *testing.T, pool *pgxpool.Pool, smtpURL string) {
	t.Helper()
	s := (&app{spec: items.App(), getenv: os.Getenv, lookupEnv: os.LookupEnv}).settings()
	s.smtpURL = smtpURL
	sets, err := s.app.Sets(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &deps{settings: s, sets: sets}
	m, err := mailer(s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// River rescues a job only once its kind's timeout has passed: short
	// ones, yet long enough for a busy machine to do the work.
	j, err := jobs.New(jobs.Config{Pool: pool, DB: tenantdb.New(pool, nil), Mailer: m,
		Refiller: d.newProvisioner(pool, nil), Logger: slog.New(slog.DiscardHandler),
		Timeouts: jobs.Timeouts{Mail: 10 * time.Second, Seed: 10 * time.Second, Refill: 30 * time.Second,
			Other: 3 * time.Second}, RescueAfter: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = j.Stop(ctx)
	})
}
