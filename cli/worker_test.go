package cli

import (
	"context"
	"encoding/json"
	"github.com/tenantry/tenantry/examples/items"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/mail"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenanttest"
)

// TestWorkerWorksJobsAlone runs "tenantry worker" in-process: it fills the
// spare pool when it starts, delivers a queued mail into the outbox, and
// stops when its context ends.
func TestWorkerWorksJobsAlone(t *testing.T) {
	url := setupCLI(t)
	dir := os.Getenv("TENANTRY_DIR")
	t.Setenv("TENANTRY_SPARES", "2")
	mustRun(t, "migrate")
	if out := strings.TrimSpace(mustRun(t, "spares", "--json")); out != "[]" {
		t.Errorf("spares before the worker: %q, want none", out)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- runContext(ctx, "worker") }()
	defer func() {
		cancel()
		if code := <-done; code != ExitOK {
			t.Errorf("worker exited %d after its context ended", code)
		}
	}()

	pool := tenanttest.Pool(t, url)
	inserter, err := jobs.New(jobs.Config{Pool: pool, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := inserter.Enqueue(context.Background(), jobs.EmailArgs{Message: mail.Message{
		To: []string{"ana@acme.com"}, Subject: "Worker check", Text: "see http://localhost:8000/check\n"}}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the mail in the outbox", func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
		for _, f := range files {
			if b, _ := os.ReadFile(f); strings.Contains(string(b), "Worker check") {
				return true
			}
		}
		return false
	})
	waitUntil(t, "the spare pool filled by the worker", func() bool {
		var spares []provision.Spare
		_, out, _ := run(t, "spares", "--json")
		return json.Unmarshal([]byte(out), &spares) == nil && len(spares) == 2 && spares[0].Current && spares[1].Current
	})
}

func TestWorkerRefusesBadSettings(t *testing.T) {
	setupCLI(t)
	for _, c := range []struct{ name, value, says string }{
		{"TENANTRY_WORKERS", "0", "TENANTRY_WORKERS"},
		{"TENANTRY_WORKERS", "many", "whole number"},
		{"TENANTRY_SPARES", "-1", "TENANTRY_SPARES"},
		{"TENANTRY_TENANT_STATEMENTS", "-1", "TENANTRY_TENANT_STATEMENTS"},
		{"TENANTRY_TENANT_STATEMENTS", "all", "TENANTRY_TENANT_STATEMENTS"},
		{"TENANTRY_SMTP_URL", "http://mail.example.com", "TENANTRY_SMTP_URL"},
	} {
		t.Run(c.name+"="+c.value, func(t *testing.T) {
			t.Setenv(c.name, c.value)
			code, _, errOut := run(t, "worker")
			if code != ExitUsage || !strings.Contains(errOut, c.says) {
				t.Errorf("exit %d, stderr %q; want %d naming %s", code, errOut, ExitUsage, c.says)
			}
		})
	}
}

// waitUntil polls cond until it holds, failing t after 30 seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runContext runs the command tree with args until ctx ends, for commands
// that run until stopped, and returns its exit status.
func runContext(ctx context.Context, args ...string) int {
	a := &app{spec: items.App(), stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: os.Getenv, lookupEnv: os.LookupEnv}
	root := a.rootCommand()
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		return ExitFailure
	}
	return ExitOK
}
