package tenanttest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/pgbouncer"
)

// EnvRequirePgBouncer names the variable that decides what PgBouncerURL
// does when pgbouncer is not installed: "1" fails the test, "0" skips it;
// unset, it fails under CI (CI set) and skips elsewhere. `make test` sets
// it to 1.
const EnvRequirePgBouncer = "TENANTRY_REQUIRE_PGBOUNCER"

// PgBouncerPoolSize is the number of server connections the test PgBouncer
// keeps per database and user: few, so that many clients share each one,
// which is what exposes state left on a connection.
const PgBouncerPoolSize = 3

// bouncer is the PgBouncer the test binary uses, started at most once.
var bouncer struct {
	once sync.Once
	b    *pgbouncer.Bouncer
	err  error
}

// PgBouncerURL returns a URL that reaches the database of directURL (made
// by NewDatabase or Setup, with the same user) through a real PgBouncer in
// transaction pooling mode, with PgBouncerPoolSize server connections per
// database and user, and default_query_exec_mode=exec as Tenantry requires
// behind PgBouncer. The PgBouncer is started on first use, in front of the
// test server, on a free port of 127.0.0.1, and stops when the test binary
// exits. Without pgbouncer installed the test is skipped, or fails (see
// EnvRequirePgBouncer). Never use the URL for LISTEN: that needs a direct
// connection.
func PgBouncerURL(t testing.TB, directURL string) string {
	t.Helper()
	admin := AdminURL(t)
	bouncer.once.Do(func() { bouncer.b, bouncer.err = startBouncer(admin) })
	if errors.Is(bouncer.err, pgbouncer.ErrNotInstalled) && !requirePgBouncer() {
		t.Skipf("tenanttest: %v; this test runs through PgBouncer (set %s=1 to fail instead of skipping)", bouncer.err, EnvRequirePgBouncer)
	}
	if bouncer.err != nil {
		t.Fatalf("tenanttest: %v", bouncer.err)
	}
	select {
	case <-bouncer.b.Done():
		t.Fatalf("tenanttest: the test PgBouncer has exited: %v", bouncer.b.Err())
	default:
	}
	u, err := bouncer.b.URL(directURL)
	if err != nil {
		t.Fatalf("tenanttest: %v", err)
	}
	return u
}

func startBouncer(adminURL string) (*pgbouncer.Bouncer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := pgbouncer.Start(ctx, &pgbouncer.Config{Server: adminURL, PoolSize: PgBouncerPoolSize})
	if err != nil && !errors.Is(err, pgbouncer.ErrNotInstalled) {
		err = fmt.Errorf("start PgBouncer: %w", err)
	}
	return b, err
}

// requirePgBouncer reports whether a missing pgbouncer fails the test.
func requirePgBouncer() bool {
	switch os.Getenv(EnvRequirePgBouncer) {
	case "1":
		return true
	case "0":
		return false
	}
	ci := os.Getenv("CI")
	return ci != "" && ci != "false" && ci != "0"
}
