package localpg_test

import (
	"bufio"
	"errors"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/localpg"
)

func TestFindBinDirHasInitdbAndPostgres(t *testing.T) {
	dir, err := localpg.FindBinDir()
	if err != nil {
		t.Fatalf("FindBinDir: %v", err)
	}
	for _, name := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("FindBinDir() = %s, without %s: %v", dir, name, err)
		}
	}
}

func TestStartRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  *localpg.Config
		want string
	}{
		{"nil config", nil, "Config.Dir is required"},
		{"no dir", &localpg.Config{}, "Config.Dir is required"},
		{"setting with =", &localpg.Config{Dir: "x", Settings: map[string]string{"a=b": "c"}}, "invalid setting name"},
		{"setting with space", &localpg.Config{Dir: "x", Settings: map[string]string{"work_mem 1": "c"}}, "invalid setting name"},
		{"empty setting name", &localpg.Config{Dir: "x", Settings: map[string]string{"": "c"}}, "invalid setting name"},
		{"no binaries", &localpg.Config{Dir: "x", BinDir: t.TempDir()}, "Config.BinDir"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := localpg.Start(t.Context(), tc.cfg)
			if err == nil {
				c.Stop()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start error = %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestRestartKeepsData(t *testing.T) {
	t.Parallel()
	cfg := &localpg.Config{Dir: clusterDir(t), User: "owner"}
	began := time.Now()
	c, err := localpg.Start(t.Context(), cfg)
	if err != nil {
		t.Fatalf("first Start: %v", err)
	}
	t.Logf("first Start (initdb, then start): %v", time.Since(began))
	if err := c.CreateDatabase(t.Context(), "shop"); err != nil {
		t.Fatalf("CreateDatabase: %v", err)
	}
	if err := c.CreateDatabase(t.Context(), "shop"); err != nil {
		t.Fatalf("CreateDatabase again: %v", err)
	}
	execSQL(t, c, "shop", "CREATE TABLE items (name text); INSERT INTO items VALUES ('kept')")
	stopConcurrently(t, c)

	began = time.Now()
	c = start(t, cfg)
	t.Logf("second Start (existing data): %v", time.Since(began))
	if got := queryString(t, c, "shop", "SELECT current_user || ' ' || name FROM items"); got != "owner kept" {
		t.Errorf("after restart got %q, want %q", got, "owner kept")
	}
}

// stopConcurrently stops c from several goroutines, as a signal handler and
// a deferred Stop might, and checks that all of them see a clean stop.
func stopConcurrently(t *testing.T, c *localpg.Cluster) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = c.Stop() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Stop #%d: %v", i, err)
		}
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err after Stop = %v, want nil", err)
	}
}

func TestRunningServerBlocksSecondStartUntilItDies(t *testing.T) {
	t.Parallel()
	dir := seededDir(t, clusterDir(t))
	c := start(t, &localpg.Config{Dir: dir})

	second, err := localpg.Start(t.Context(), &localpg.Config{Dir: dir})
	if err == nil {
		second.Stop()
		t.Fatal("second Start on a running cluster succeeded")
	}
	if !errors.Is(err, localpg.ErrAlreadyRunning) || !strings.Contains(err.Error(), dir) {
		t.Errorf("second Start error = %q, want ErrAlreadyRunning naming %s", err, dir)
	}

	killServer(t, dir)
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed after the server was killed")
	}
	if c.Err() == nil {
		t.Error("Err() = nil after the server was killed")
	}
	c = start(t, &localpg.Config{Dir: dir}) // over the stale postmaster.pid
	if got := queryString(t, c, "postgres", "SELECT 'up'"); got != "up" {
		t.Errorf("after restart got %q", got)
	}
}

// killServer kills the server's process group with SIGKILL, leaving its
// postmaster.pid behind.
func killServer(t *testing.T, dir string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(line)
	if err != nil {
		t.Fatalf("postmaster.pid: %v", err)
	}
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill server process group %d: %v", pid, err)
	}
}

func TestCreateDatabase(t *testing.T) {
	t.Parallel()
	c := start(t, &localpg.Config{Dir: seededDir(t, clusterDir(t))})
	t.Run("URL round-trips any name", func(t *testing.T) {
		for _, name := range []string{
			`it's "quoted"; DROP DATABASE postgres; --`,
			"slash/and?query#frag&x=y+plus%20",
			"ünïcödé",
		} {
			checkDatabaseRoundTrip(t, c, name)
		}
	})
	t.Run("rejects empty and NUL names", func(t *testing.T) {
		for _, name := range []string{"", "nul\x00byte"} {
			if err := c.CreateDatabase(t.Context(), name); err == nil {
				t.Errorf("CreateDatabase(%q) succeeded", name)
			}
		}
	})
}

// checkDatabaseRoundTrip creates name, and checks that URL(name) parses back
// to the cluster's socket and that connecting with it reaches that database.
func checkDatabaseRoundTrip(t *testing.T, c *localpg.Cluster, name string) {
	t.Helper()
	if err := c.CreateDatabase(t.Context(), name); err != nil {
		t.Fatalf("CreateDatabase(%q): %v", name, err)
	}
	cfg, err := pgx.ParseConfig(c.URL(name))
	if err != nil {
		t.Fatalf("ParseConfig(%s): %v", c.URL(name), err)
	}
	if cfg.Host != c.SocketDir() || cfg.Port != 5432 || cfg.User != "app" || cfg.Database != name {
		t.Errorf("ParseConfig(%s) = host %q port %d user %q database %q", c.URL(name), cfg.Host, cfg.Port, cfg.User, cfg.Database)
	}
	if got := queryString(t, c, name, "SELECT current_database()"); got != name {
		t.Errorf("URL(%q) reached database %q", name, got)
	}
}

func TestLongDirGetsShortSocketDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(clusterDir(t), strings.Repeat("d", 60), strings.Repeat("e", 60))
	c := start(t, &localpg.Config{Dir: seededDir(t, dir)})
	socketDir := c.SocketDir()
	if socketDir == dir || len(socketDir) > 60 {
		t.Fatalf("SocketDir() = %s, want a short directory", socketDir)
	}
	if got := queryString(t, c, "postgres", "SELECT 'reached'"); got != "reached" {
		t.Errorf("got %q", got)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(socketDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket directory %s still there after Stop: %v", socketDir, err)
	}
}

func TestServerShutsDownWhenItsParentIsKilled(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux-only")
	}
	t.Parallel()
	dir := seededDir(t, clusterDir(t))
	parent := osexec.Command(os.Args[0])
	parent.Env = append(os.Environ(), orphanEnv+"="+dir)
	parent.Stderr = os.Stderr
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		parent.Process.Kill()
		t.Fatalf("helper said %q, %v", line, err)
	}
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	parent.Wait()
	waitForShutdown(t, filepath.Join(dir, "data", "postmaster.pid"))
}

// waitForShutdown waits for a server to remove its postmaster.pid, which it
// does at the end of a clean shutdown.
func waitForShutdown(t *testing.T, lockFile string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(lockFile); errors.Is(err, os.ErrNotExist) {
			return
		}
	}
	t.Fatalf("server still running 10s after its parent was killed (%s remains)", lockFile)
}

func TestFailedStartShowsServerLog(t *testing.T) {
	t.Parallel()
	var log strings.Builder
	cfg := &localpg.Config{
		Dir:      seededDir(t, clusterDir(t)),
		Stdout:   &log,
		Settings: map[string]string{"max_connections": "lots"},
	}
	c, err := localpg.Start(t.Context(), cfg)
	if err == nil {
		c.Stop()
		t.Fatal("Start succeeded with max_connections=lots")
	}
	if !strings.Contains(err.Error(), `"max_connections"`) {
		t.Errorf("Start error lacks the server's complaint:\n%v", err)
	}
}

func TestWrongUserFailsFast(t *testing.T) {
	t.Parallel()
	cfg := &localpg.Config{Dir: seededDir(t, clusterDir(t)), User: "stranger"}
	began := time.Now()
	c, err := localpg.Start(t.Context(), cfg)
	if err == nil {
		c.Stop()
		t.Fatal("Start succeeded with a user the cluster does not have")
	}
	if !strings.Contains(err.Error(), `role "stranger" does not exist`) {
		t.Errorf("Start error = %v, want the unknown role named", err)
	}
	if elapsed := time.Since(began); elapsed > 10*time.Second {
		t.Errorf("Start took %v to give up, want no waiting for the timeout", elapsed)
	}
}

func TestRootRefusesDirWithOtherFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the cluster directory to another user")
	}
	t.Parallel()
	dir := clusterDir(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := localpg.Start(t.Context(), &localpg.Config{Dir: dir})
	if err == nil {
		c.Stop()
		t.Fatal("Start took over a directory holding other files")
	}
	if !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("Start error = %v, want it to name notes.txt", err)
	}
}

func TestRootNeedsTraversableDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the cluster to another user")
	}
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "pg") // t.TempDir's parent is 0700
	c, err := localpg.Start(t.Context(), &localpg.Config{Dir: dir})
	if err == nil {
		c.Stop()
		t.Fatal("Start succeeded under a private directory")
	}
	if !strings.Contains(err.Error(), "not traversable") {
		t.Errorf("Start error = %v, want one about traversal", err)
	}
}
