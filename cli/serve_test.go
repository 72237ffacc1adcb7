package cli

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeStopsGracefullyOnSIGTERM runs "tenantry serve" as a process,
// checks it serves and logs JSON request lines, then sends SIGTERM and
// expects a clean exit.
func TestServeStopsGracefullyOnSIGTERM(t *testing.T) {
	url := setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "demo")
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), "TENANTRY_TEST_RUN_MAIN=1", "DATABASE_URL="+url, "TENANTRY_ADDR=127.0.0.1:0",
		"TENANTRY_SECRET_KEY=a-test-secret-that-is-at-least-32-bytes-long")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := make(chan map[string]any, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
	}()
	addr := waitFor(t, lines, "serving")["addr"].(string)
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/tenant/", nil)
	req.Host = "school1.localhost"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "tenant_school1") {
		t.Fatalf("GET /api/tenant/: %d %s", resp.StatusCode, body)
	}
	if l := waitFor(t, lines, "request"); l["tenant"] != "school1" || l["request_id"] == "" {
		t.Errorf("request log line %v lacks tenant or request id", l)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, lines, "shutting down")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM, want status 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not exit within 30 s of SIGTERM")
	}
}

// waitFor returns the first log line with message msg.
func waitFor(t *testing.T, lines <-chan map[string]any, msg string) map[string]any {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited before logging %q", msg)
			}
			if l["msg"] == msg {
				return l
			}
		case <-timeout:
			t.Fatalf("serve did not log %q within 30 s", msg)
		}
	}
}
