package cli

import (
	"bytes"
	"context"
	"github.com/tenantry/tenantry/examples/items"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to write from the command's goroutine
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var bannerAddr = regexp.MustCompile(`running \(development mode\) on (127\.0\.0\.1:[0-9]+)`)

// startDev runs "tenantry dev" in-process until the returned stop is called,
// and returns the address it serves on and its output so far.
func startDev(t *testing.T) (addr string, out *syncBuffer, stop func() error) {
	t.Helper()
	out = &syncBuffer{}
	a := &app{spec: items.App(), stdin: strings.NewReader(""), stdout: out, stderr: io.Discard, getenv: os.Getenv, lookupEnv: os.LookupEnv}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.dev(ctx) }()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if m := bannerAddr.FindStringSubmatch(out.String()); m != nil {
			return m[1], out, func() error { cancel(); return <-done }
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("dev stopped before serving: %v\n%s", err, out)
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("dev did not serve within 90 s:\n%s", out)
	return "", nil, nil
}

// signUpThroughTheOutbox signs up on the base domain of a dev server with
// no SMTP configured, finds the verification link in the outbox the mail
// job wrote to, follows it, and uses the new tenant.
func signUpThroughTheOutbox(t *testing.T, addr, dir string) {
	t.Helper()
	post := func(path, body string) (int, string) {
		req, _ := http.NewRequest("POST", "http://"+addr+path, strings.NewReader(body))
		req.Host = "localhost"
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("/api/signup/", `{"email":"ana@acme.com","password":"a long secret","company":"Acme"}`); code != http.StatusAccepted {
		t.Fatalf("signup: %d %s", code, body)
	}
	token := regexp.MustCompile(`signup/verify\?token=([A-Za-z0-9_-]{43})`)
	var found []string
	deadline := time.Now().Add(30 * time.Second)
	for found == nil && time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			// The text part may be quoted-printable: undo its soft breaks.
			text := strings.ReplaceAll(strings.ReplaceAll(string(b), "=\r\n", ""), "=3D", "=")
			if m := token.FindStringSubmatch(text); m != nil {
				found = m
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if found == nil {
		t.Fatalf("no verification mail in %s/outbox within 30 s", dir)
	}
	code, body := post("/api/signup/verify/", `{"token":"`+found[1]+`"}`)
	if code != http.StatusOK || !strings.Contains(body, `"domain":"acme.localhost"`) || !strings.Contains(body, `"access"`) {
		t.Fatalf("verify: %d %s", code, body)
	}
	if code, body := getTenant(t, addr, "acme.localhost"); code != http.StatusOK || !strings.Contains(body, "Acme") {
		t.Errorf("the new tenant: %d %s", code, body)
	}
}

func getTenant(t *testing.T, addr, host string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/tenant/", nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestDevRunsFromNothingAndAgain is the zero-setup promise: "tenantry dev"
// in an empty directory makes a cluster, migrates, creates the demo tenants
// and serves them; other commands in the directory find its database; Ctrl-C
// stops it cleanly; a second run reuses the cluster and its data.
func TestDevRunsFromNothingAndAgain(t *testing.T) {
	dir, err := os.MkdirTemp("", "tenantry-dev-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // the cluster may run as another user
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", "")
	t.Setenv("TENANTRY_DIR", dir)
	t.Setenv("TENANTRY_ADDR", "127.0.0.1:0")

	addr, out, stop := startDev(t)
	for _, c := range []struct{ host, name string }{{"school1.localhost", "School One"}, {"SCHOOL2.localhost:8000", "School Two"}} {
		if code, body := getTenant(t, addr, c.host); code != http.StatusOK || !strings.Contains(body, c.name) {
			t.Errorf("GET %s: %d %s", c.host, code, body)
		}
	}
	if code, _ := getTenant(t, addr, "school3.localhost"); code != http.StatusNotFound {
		t.Errorf("unknown tenant host: got %d, want 404", code)
	}
	if got := mustRun(t, "tenant", "list"); !strings.Contains(got, "school1") || !strings.Contains(got, "school2") {
		t.Errorf("tenant list beside a running dev said %q", got)
	}
	signUpThroughTheOutbox(t, addr, dir)
	if err := stop(); err != nil {
		t.Fatalf("dev returned %v after Ctrl-C", err)
	}
	if !strings.Contains(out.String(), "PostgreSQL stopped") {
		t.Errorf("dev did not stop its cluster:\n%s", out)
	}
	if _, err := os.Stat(dir + "/" + devURLFile); !os.IsNotExist(err) {
		t.Errorf("the database URL file outlived dev: %v", err)
	}

	addr, out, stop = startDev(t)
	if !strings.Contains(out.String(), "demo tenant school1 already exists") {
		t.Errorf("second run did not reuse the data:\n%s", out)
	}
	if code, body := getTenant(t, addr, "school1.localhost"); code != http.StatusOK || !strings.Contains(body, "School One") {
		t.Errorf("second run: %d %s", code, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
