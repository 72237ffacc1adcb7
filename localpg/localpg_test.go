package localpg_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
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

// clusterDir returns a fresh, not yet existing cluster directory. Under
// root the server runs as the postgres user, which must traverse every
// parent directory, and t.TempDir's parent is private (0700): the test opens
// it for traversal only.
func clusterDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		if err := os.Chmod(filepath.Dir(dir), 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "pg")
}

// templateDir holds a stopped cluster, made once by TestMain, whose data
// directory seededDir copies so that most tests skip initdb (over a second
// of CPU each).
var templateDir string

// orphanEnv makes the test binary act as the parent process that
// TestServerShutsDownWhenItsParentIsKilled kills: it starts a cluster in the
// directory named by the variable, prints "ready" and waits.
const orphanEnv = "LOCALPG_TEST_ORPHAN_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(orphanEnv); dir != "" {
		os.Exit(startAndWait(dir))
	}
	os.Exit(runTests(m))
}

// startAndWait starts a cluster in dir and waits to be killed.
func startAndWait(dir string) int {
	if _, err := localpg.Start(context.Background(), &localpg.Config{Dir: dir}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	time.Sleep(time.Hour)
	return 1
}

// runTests prepares the template cluster, runs the tests and removes it.
func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "localpg-template")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	c, err := localpg.Start(context.Background(), &localpg.Config{Dir: dir})
	if err == nil {
		err = c.Stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "make template cluster:", err)
		return 1
	}
	templateDir = dir
	return m.Run()
}

// seededDir returns a fresh cluster directory holding a copy of the
// template cluster, as a second Start would find it.
func seededDir(t *testing.T, dir string) string {
	t.Helper()
	data := filepath.Join(dir, "data")
	if err := os.CopyFS(data, os.DirFS(filepath.Join(templateDir, "data"))); err != nil {
		t.Fatalf("copy template cluster: %v", err)
	}
	if err := os.Chmod(data, 0o700); err != nil { // CopyFS makes it 0755; postgres wants 0700
		t.Fatal(err)
	}
	return dir
}

// start starts a cluster and stops it when the test ends.
func start(t *testing.T, cfg *localpg.Config) *localpg.Cluster {
	t.Helper()
	c, err := localpg.Start(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

// queryString runs a one-value query against database.
func queryString(t *testing.T, c *localpg.Cluster, database, sql string) string {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.URL(database))
	if err != nil {
		t.Fatalf("connect to %q: %v", database, err)
	}
	defer conn.Close(context.Background())
	var s string
	if err := conn.QueryRow(t.Context(), sql).Scan(&s); err != nil {
		t.Fatalf("%s on %q: %v", sql, database, err)
	}
	return s
}

// execSQL runs statements against database.
func execSQL(t *testing.T, c *localpg.Cluster, database, sql string) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.URL(database))
	if err != nil {
		t.Fatalf("connect to %q: %v", database, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatalf("%s on %q: %v", sql, database, err)
	}
}

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
			"with space",
			`quo"te`,
			"it's; DROP DATABASE postgres; --",
			"slash/and?query#frag&x=y",
			"plus+percent%20",
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

func ExampleStart() {
	dir, err := os.MkdirTemp("", "localpg-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	c, err := localpg.Start(ctx, &localpg.Config{Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Stop()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close(ctx)
	var user string
	if err := conn.QueryRow(ctx, "SELECT current_user").Scan(&user); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(user)
	// Output: app
}
