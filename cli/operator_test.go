package cli

import (
	"context"
	"encoding/json"
	"github.com/tenantry/tenantry/examples/items"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestOperatorCreateAndList(t *testing.T) {
	setupCLI(t)
	mustRun(t, "migrate")
	if out := mustRun(t, "operator", "create", "--username", "Root", "--email", "Root@Platform.example", "--password", "operator-password"); !strings.Contains(out, "operator Root created (root@platform.example)") {
		t.Errorf("create said %q", out)
	}
	var created auth.Operator
	if err := json.Unmarshal([]byte(mustRun(t, "operator", "create", "--username", "ana", "--email", "ana@platform.example",
		"--password", "another-password", "--json")), &created); err != nil || created.Username != "ana" || !created.IsActive {
		t.Errorf("create --json: %+v, %v", created, err)
	}
	var ops []auth.Operator
	if err := json.Unmarshal([]byte(mustRun(t, "operator", "list", "--json")), &ops); err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 || ops[0].Username != "ana" || ops[1].Username != "Root" {
		t.Errorf("list --json: %+v", ops)
	}
	if out := mustRun(t, "operator", "list"); !strings.Contains(out, "root@platform.example") || !strings.Contains(out, "2 operators") {
		t.Errorf("list said %q", out)
	}
}

func TestOperatorMisuseGetsAClearMessage(t *testing.T) {
	setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "operator", "create", "--username", "root", "--email", "root@platform.example", "--password", "operator-password")
	create := func(username, email string, more ...string) []string {
		return append([]string{"operator", "create", "--username", username, "--email", email}, more...)
	}
	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"no flags", []string{"operator", "create"}, "--username and --email are required"},
		{"no email", []string{"operator", "create", "--username", "ana"}, "--username and --email are required"},
		{"no password, no terminal", create("ana", "ana@platform.example"), "--password is required when the input is not a terminal"},
		{"weak password", create("ana", "ana@platform.example", "--password", "short"), "at least 8 characters"},
		{"bad email", create("ana", "not-an-email", "--password", "long enough"), "invalid email"},
		{"bad username", create("ana'; DROP TABLE public.operators;--", "ana@platform.example", "--password", "long enough"), "invalid username"},
		{"taken username", create("ROOT", "other@platform.example", "--password", "long enough"), "already exists"},
		{"taken email", create("other", "ROOT@platform.example", "--password", "long enough"), "already exists"},
		{"stray argument", []string{"operator", "list", "extra"}, `unknown command "extra"`},
		{"unknown flag", []string{"operator", "create", "--admin", "x"}, "unknown flag: --admin"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := run(t, c.args...)
			if code != ExitUsage || !strings.Contains(errOut, c.msg) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("exit %d, stderr %q; want exit %d and one line containing %q", code, errOut, ExitUsage, c.msg)
			}
		})
	}
	if out := mustRun(t, "operator", "list"); !strings.Contains(out, "1 operator\n") {
		t.Errorf("refused creates left operators behind: %q", out)
	}
}

func TestOperatorCommandsWithoutTheTableAreExplained(t *testing.T) {
	url := setupCLI(t)
	// A database migrated before the operators' migration existed.
	if _, err := tenanttest.Pool(t, url).Exec(context.Background(), "DROP TABLE public.operators CASCADE"); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(t, "operator", "list")
	if code != ExitFailure || !strings.Contains(errOut, `run "tenantry migrate" first`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestOperatorManagesTenantsThroughTheServer creates an operator with the
// CLI, then uses the platform API of the server "tenantry serve" runs, and
// sees the result with the CLI: one code path for both.
func TestOperatorManagesTenantsThroughTheServer(t *testing.T) {
	setupCLI(t)
	t.Setenv("TENANTRY_ADDR", "127.0.0.1:0")
	t.Setenv("TENANTRY_SECRET_KEY", "a-test-secret-that-is-at-least-32-bytes-long")
	mustRun(t, "migrate")
	mustRun(t, "operator", "create", "--username", "root", "--email", "root@platform.example", "--password", "operator-password")
	base := serveInProcess(t)

	call := func(method, path, token, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Host = "localhost" // the base domain
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := call("POST", "/api/platform/token/", "", `{"username": "root", "password": "operator-password"}`)
	var tok struct{ Access string }
	if err := json.Unmarshal([]byte(body), &tok); err != nil || code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	if code, body := call("POST", "/api/platform/tenants/", tok.Access, `{"slug": "acme", "name": "Acme", "domain": "acme.localhost"}`); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := call("POST", "/api/platform/tenants/acme/suspend", tok.Access, ""); code != 200 {
		t.Fatalf("suspend: %d %s", code, body)
	}
	if out := mustRun(t, "tenant", "list"); !strings.Contains(out, "suspended") || !strings.Contains(out, "acme.localhost") {
		t.Errorf("tenant list after the API's create and suspend: %q", out)
	}
	if code, body := call("DELETE", "/api/platform/tenants/acme", tok.Access, ""); code != 204 {
		t.Fatalf("delete: %d %s", code, body)
	}
	if out := mustRun(t, "tenant", "list"); !strings.Contains(out, "0 tenants") {
		t.Errorf("tenant list after the API's delete: %q", out)
	}
}

// serveInProcess runs the serve command's server until t ends and returns
// its base URL.
func serveInProcess(t *testing.T) string {
	t.Helper()
	a := &app{spec: items.App(), stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: os.Getenv, lookupEnv: os.LookupEnv}
	ctx, cancel := context.WithCancel(context.Background())
	d, err := a.open(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, d, a.quietLogger(), func(addr net.Addr) { addrs <- addr }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		d.pool.Close()
	})
	select {
	case addr := <-addrs:
		return "http://" + addr.String()
	case err := <-done:
		done <- err // for the cleanup
		t.Fatalf("serve: %v", err)
	}
	return ""
}
