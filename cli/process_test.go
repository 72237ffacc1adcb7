package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// startTenantry runs the tenantry command with args as a process of its
// own (the test binary doubles as it), with the test's environment plus
// env, and returns it with its JSON log lines. The process is killed when
// t ends.
func startTenantry(t *testing.T, env []string, args ...string) (*exec.Cmd, <-chan map[string]any) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "TENANTRY_TEST_RUN_MAIN=1"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan map[string]any, 1000)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				select {
				case lines <- m:
				default: // nobody reads the rest
				}
			}
		}
	}()
	return cmd, lines
}

// jobWait bounds the waits for jobs across processes: River's leader of a
// killed process expires after about 15 s and its rescuer runs every 30 s.
// Generous for a busy machine; only reached when something is wrong.
const jobWait = 3 * time.Minute

// waitLong polls cond until it holds, failing t after jobWait.
func waitLong(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(jobWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// jobStates counts the jobs of kind by state.
func jobStates(t *testing.T, pool *pgxpool.Pool, kind string) map[string]int {
	t.Helper()
	rows, err := pool.Query(context.Background(),
		"SELECT state::text, count(*)::int FROM public.river_job WHERE kind = $1 GROUP BY state", kind)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	var state string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&state, &n}, func() error { states[state] = n; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return states
}

// demoUserIDs returns the ids of tenant school1 (made by "tenantry demo") and
// of its user demo.
func demoUserIDs(t *testing.T, pool *pgxpool.Pool) (tenantID, userID int64) {
	t.Helper()
	ctx := context.Background()
	if err := pool.QueryRow(ctx, "SELECT id FROM public.tenants WHERE slug = 'school1'").Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, "SELECT id FROM tenant_school1.users WHERE username = 'demo'").Scan(&userID); err != nil {
		t.Fatal(err)
	}
	return tenantID, userID
}
