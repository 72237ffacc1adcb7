package localpg_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
	// CopyFS leaves the data directory 0755, which Start must repair.
	if err := os.CopyFS(data, os.DirFS(filepath.Join(templateDir, "data"))); err != nil {
		t.Fatalf("copy template cluster: %v", err)
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
