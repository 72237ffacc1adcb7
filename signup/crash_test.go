package signup_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/signup"
	"github.com/tenantry/tenantry/tenantdb"
)

// Environment of the child process TestCrashDuringVerify kills.
const (
	crashURLVar   = "TENANTRY_SIGNUP_CRASH_URL"
	crashTokenVar = "TENANTRY_SIGNUP_CRASH_TOKEN"
)

// TestCrashDuringVerify kills a process in the middle of verifying a
// signup, after the tenant's schema, role, registry rows and owner exist
// in its transaction but before it commits, and checks that nothing of the
// tenant is left and that the same link then works.
func TestCrashDuringVerify(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	token := f.start(t, "ana@acme.com", "Acme")

	// Hold a lock that lets the child read email_domains but not insert
	// into it: claiming the domain is its last step before committing.
	blocker, err := f.env.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback(ctx)
	if _, err := blocker.Exec(ctx, "LOCK TABLE public.email_domains IN SHARE MODE"); err != nil {
		t.Fatal(err)
	}

	child := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	child.Env = append(os.Environ(), crashURLVar+"="+f.env.URL, crashTokenVar+"="+token)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _, _ = child.Process.Wait() })

	pid := waitForBlockedInsert(t, f.env.Pool)
	if n := f.count(t, "SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_acme'"); n != 0 {
		t.Fatalf("the child's schema is visible before it committed")
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_, _ = child.Process.Wait()
	if err := blocker.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	// The server ends the dead client's session, rolling its work back.
	deadline := time.Now().Add(10 * time.Second)
	for f.count(t, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the killed client's session lives on")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, q := range []string{
		"SELECT count(*) FROM public.tenants",
		"SELECT count(*) FROM public.domains",
		"SELECT count(*) FROM public.email_domains",
		"SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenant\\_%'",
		`SELECT count(*) FROM pg_roles WHERE rolname LIKE
			'tenantry\_' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '\_%'`,
		"SELECT count(*) FROM public.signups WHERE status <> 'pending'",
	} {
		if n := f.count(t, q); n != 0 {
			t.Errorf("after the crash, %s = %d, want 0", q, n)
		}
	}
	res := f.verify(t, token)
	if res.Outcome != signup.Created || res.Tenant.Slug != "acme" || res.Repeated {
		t.Fatalf("verifying after the crash: %+v", res)
	}
}

// waitForBlockedInsert returns the pid of the session waiting to claim the
// email domain.
func waitForBlockedInsert(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var pid int
		err := pool.QueryRow(context.Background(), `SELECT pid FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO public.email_domains%'`).Scan(&pid)
		if err == nil {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child never reached the domain claim: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCrashChild is the process TestCrashDuringVerify kills; it does
// nothing in a normal run.
func TestCrashChild(t *testing.T) {
	url, token := os.Getenv(crashURLVar), os.Getenv(crashTokenVar)
	if url == "" {
		t.Skip("runs only as TestCrashDuringVerify's child")
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	db := tenantdb.New(pool, nil)
	j, err := jobs.New(jobs.Config{Pool: pool, DB: db, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := signup.New(signup.Config{Pool: pool, Provisioner: provision.New(pool, nil), Jobs: j,
		BaseURL: "http://example.test:8000"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Verify(ctx, token)
	t.Fatalf("the child was meant to be killed before Verify returned; it returned %v", err)
}
