package cli

import (
	"context"
	"github.com/tenantry/tenantry/examples/items"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/tenanttest"
)

// TestStaleDevURLFileIsExplained: a database URL file left by a "tenantry
// dev" that did not stop cleanly (its socket gone, or a socket file nobody
// listens on) gets a message saying what to do, not a connection error.
func TestStaleDevURLFileIsExplained(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", "")
	t.Setenv("TENANTRY_DIR", dir)
	deadSocket := t.TempDir()
	ln, err := net.Listen("unix", filepath.Join(deadSocket, ".s.PGSQL.5432"))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false) // as a killed server leaves it
	ln.Close()
	for _, c := range []struct{ name, url string }{
		{"socket gone", "postgres://tenantry@/tenantry?host=" + t.TempDir() + "&port=5432"},
		{"socket file without a server", "postgres://tenantry@/tenantry?host=" + deadSocket + "&port=5432"},
		{"tcp port closed", "postgres://tenantry@127.0.0.1:1/tenantry"},
	} {
		if err := os.WriteFile(filepath.Join(dir, devURLFile), []byte(c.url+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"tenant", "list"}, {"migrate"}, {"operator", "list"}, {"spares", "fill"}} {
			code, _, errOut := run(t, args...)
			if code != ExitUsage || !strings.Contains(errOut, `"tenantry dev" is not running in this directory`) ||
				!strings.Contains(errOut, `start "tenantry dev" in this directory, or set DATABASE_URL`) {
				t.Errorf("%s: %v: exit %d, stderr %q", c.name, args, code, errOut)
			}
		}
	}
}

// TestDevResetIsRefusedWhenItShouldBe: --yes needs --reset; --reset has
// nothing to delete with DATABASE_URL set, must not delete under a running
// dev, and deletes nothing without a "yes".
func TestDevResetIsRefusedWhenItShouldBe(t *testing.T) {
	url := setupCLI(t)
	dir := os.Getenv("TENANTRY_DIR")
	if code, _, errOut := run(t, "dev", "--yes"); code != ExitUsage || !strings.Contains(errOut, "--yes goes with --reset") {
		t.Errorf("dev --yes: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := run(t, "dev", "--reset", "--yes"); code != ExitUsage || !strings.Contains(errOut, "not used while DATABASE_URL is set") {
		t.Errorf("dev --reset with DATABASE_URL: exit %d, stderr %q", code, errOut)
	}
	t.Setenv("DATABASE_URL", "")
	cluster := clusterDir(dir)
	if err := os.MkdirAll(filepath.Join(cluster, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(cluster) })
	// A running dev: its URL file names a live server.
	if err := os.WriteFile(filepath.Join(dir, devURLFile), []byte(url+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, "dev", "--reset", "--yes"); code != ExitUsage || !strings.Contains(errOut, "is running in this directory") {
		t.Errorf("dev --reset beside a running dev: exit %d, stderr %q", code, errOut)
	}
	os.Remove(filepath.Join(dir, devURLFile))
	for stdin, says := range map[string]string{"": "no answer on standard input", "no\n": "not confirmed: nothing deleted"} {
		code, _, errOut := runIn(t, stdin, "dev", "--reset")
		if code != ExitUsage || !strings.Contains(errOut, says) || !strings.Contains(errOut, "Delete the development database in "+cluster) {
			t.Errorf("dev --reset answered %q: exit %d, stderr %q", stdin, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(cluster, "data")); err != nil {
		t.Errorf("a refused reset deleted the cluster: %v", err)
	}
}

// TestDevNamesARemovedMigration: with DATABASE_URL set, dev on a database
// that records a migration the binary lacks names it and says how to start
// over without --reset, which does not apply.
func TestDevNamesARemovedMigration(t *testing.T) {
	url := setupCLI(t)
	mustRun(t, "migrate")
	if _, err := tenanttest.Pool(t, url).Exec(context.Background(),
		"INSERT INTO public.tenantry_migrations (version, name, checksum) VALUES (99, 'gone', 'x')"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TENANTRY_ADDR", "127.0.0.1:0")
	code, _, errOut := run(t, "dev")
	for _, want := range []string{"migration 0099_gone was applied to this database but is not in this binary", "restore its file",
		"drop and recreate the database of DATABASE_URL"} {
		if code != ExitFailure || !strings.Contains(errOut, want) {
			t.Errorf("exit %d, stderr %q; want %q", code, errOut, want)
		}
	}
}

// TestDevExplainsARemovedMigrationAndResetStartsOver: after its database
// got a migration this binary lacks, dev refuses to start and names it and
// "tenantry dev --reset"; dev --reset --yes deletes the private cluster and
// starts from nothing.
func TestDevExplainsARemovedMigrationAndResetStartsOver(t *testing.T) {
	dir, err := os.MkdirTemp("", "tenantry-dev-reset-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir); os.RemoveAll(clusterDir(dir)) })
	if err := os.Chmod(dir, 0o755); err != nil { // the cluster may run as another user
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", "")
	t.Setenv("TENANTRY_DIR", dir)
	t.Setenv("TENANTRY_ADDR", "127.0.0.1:0")

	_, _, stop := startDev(t)
	b, err := os.ReadFile(filepath.Join(dir, devURLFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := tenanttest.Pool(t, strings.TrimSpace(string(b)))
	if _, err := pool.Exec(context.Background(),
		"INSERT INTO public.tenantry_migrations (version, name, checksum) VALUES (99, 'gone', 'x')"); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	code, _, errOut := run(t, "dev")
	for _, want := range []string{"migration 0099_gone was applied to this database but is not in this binary",
		`"tenantry dev --reset" deletes the private cluster in ` + clusterDir(dir)} {
		if code != ExitFailure || !strings.Contains(errOut, want) {
			t.Errorf("dev on the database: exit %d, stderr %q; want %q", code, errOut, want)
		}
	}

	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- mainContext(ctx, items.App(), []string{"dev", "--reset", "--yes"}, strings.NewReader(""), out, out)
	}()
	defer func() {
		cancel()
		if code := <-done; code != ExitOK {
			t.Errorf("dev --reset exited %d after Ctrl-C:\n%s", code, out)
		}
	}()
	// A new cluster: initdb may take a while on a busy machine.
	for deadline := time.Now().Add(90 * time.Second); !bannerAddr.MatchString(out.String()); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("dev --reset did not serve within 90 s:\n%s", out)
		}
		select {
		case code := <-done:
			done <- code // for the deferred wait
			t.Fatalf("dev --reset exited %d before serving:\n%s", code, out)
		default:
		}
	}
	if got := out.String(); !strings.Contains(got, "deleted the development database in "+clusterDir(dir)) ||
		strings.Contains(got, "already exists") {
		t.Errorf("dev --reset did not start over:\n%s", got)
	}
	addr := bannerAddr.FindStringSubmatch(out.String())[1]
	if code, body := getTenant(t, addr, "school1.localhost"); code != http.StatusOK {
		t.Errorf("after the reset: %d %s", code, body)
	}
}
