package tenanttest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/tenantry/tenantry/localpg"
)

// StartCluster starts a private PostgreSQL cluster of its own, with the
// server settings given (for example max_connections or
// max_locks_per_transaction), for tests whose subject is such a setting,
// and returns the URL of its maintenance database: pass it as
// Options.AdminURL. The cluster is stopped and removed when t ends. It needs
// the machine's server binaries (see localpg) even when EnvURL points the
// other tests elsewhere; initdb costs about a second of CPU, so share one
// cluster between the subtests that need it.
func StartCluster(t testing.TB, settings map[string]string) string {
	t.Helper()
	// Under os.TempDir, which the postgres user can traverse when this
	// process is root (t.TempDir's parent is private).
	dir, err := os.MkdirTemp("", "tenanttest-pg-")
	if err != nil {
		t.Fatalf("tenanttest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := localpg.Start(ctx, &localpg.Config{Dir: dir, Settings: settings})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("tenanttest: start a private PostgreSQL with %v: %v", settings, err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("tenanttest: stop private cluster: %v", err)
		}
		os.RemoveAll(dir)
	})
	return c.URL("postgres")
}
