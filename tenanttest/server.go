package tenanttest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry/localpg"
)

// EnvURL names the variable that points tests at an existing server.
const EnvURL = "TENANTRY_TEST_DATABASE_URL"

// server is the PostgreSQL the test binary uses, started at most once.
var server struct {
	once    sync.Once
	adminDB string // URL of a database to run CREATE DATABASE from
	cluster *localpg.Cluster
	dir     string
	err     error
}

// Main runs the package's tests and then stops the private cluster, if one
// was started. It exits the process with the tests' status.
func Main(m *testing.M) {
	code := m.Run()
	runExitHooks()
	if server.cluster != nil {
		if err := server.cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "tenanttest: stop cluster:", err)
		}
		os.RemoveAll(server.dir)
	}
	os.Exit(code)
}

// AdminURL returns the URL of a maintenance database on the test server,
// starting the private cluster on first use. It fails t if no server can be
// had.
func AdminURL(t testing.TB) string {
	t.Helper()
	server.once.Do(startServer)
	if server.err != nil {
		t.Fatalf("tenanttest: %v", server.err)
	}
	return server.adminDB
}

func startServer() {
	if u := os.Getenv(EnvURL); u != "" {
		server.adminDB = u
		return
	}
	dir, err := os.MkdirTemp("", "tenanttest-pg-")
	if err != nil {
		server.err = err
		return
	}
	server.dir = dir
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := localpg.Start(ctx, &localpg.Config{Dir: dir, Settings: map[string]string{"max_connections": "300"}})
	if err != nil {
		server.err = fmt.Errorf("start a private PostgreSQL (or set %s): %w", EnvURL, err)
		return
	}
	server.cluster = c
	server.adminDB = c.URL("postgres")
}
