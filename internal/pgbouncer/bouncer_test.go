package pgbouncer_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/pgbouncer"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// start starts a PgBouncer in front of the test server, stopped when t
// ends; it skips t when pgbouncer is not installed and not required.
func start(t *testing.T, cfg pgbouncer.Config) *pgbouncer.Bouncer {
	t.Helper()
	cfg.Server = tenanttest.AdminURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := pgbouncer.Start(ctx, &cfg)
	if errors.Is(err, pgbouncer.ErrNotInstalled) {
		tenanttest.PgBouncerURL(t, cfg.Server) // skips or fails t, as the policy there says
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Stop(); err != nil {
			t.Error(err)
		}
	})
	return b
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func backendPID(t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	var pid int
	if err := conn.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return pid
}

// Two clients connected at the same time take turns on one server
// connection: PgBouncer hands it back after each transaction.
func TestClientsShareServerConnectionsBetweenTransactions(t *testing.T) {
	b := start(t, pgbouncer.Config{PoolSize: 1})
	url, err := b.URL(tenanttest.NewDatabase(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	one, two := connect(t, url), connect(t, url)
	first, second := backendPID(t, one), backendPID(t, two)
	if first != second {
		t.Errorf("clients got server processes %d and %d, want one shared process (transaction pooling)", first, second)
	}
	tx, err := one.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := two.Exec(ctx, "SELECT 1"); err == nil {
		t.Error("a second client ran while the only server connection was inside the first client's transaction")
	}
}

func TestStopEndsPgBouncerAndLeavesNoFiles(t *testing.T) {
	admin := tenanttest.AdminURL(t) // the test server first: it may make files of its own
	tmp, err := os.MkdirTemp("", "pgbouncer-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil { // reachable by the postgres user when root
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	b := start(t, pgbouncer.Config{})
	if entries, err := os.ReadDir(tmp); err != nil || len(entries) != 0 {
		t.Errorf("PgBouncer left %v (%v) in the temporary directory once up", entries, err)
	}
	url, err := b.URL(admin)
	if err != nil {
		t.Fatal(err)
	}
	if conn := connect(t, url); conn.Ping(context.Background()) != nil {
		t.Fatal("no connection through PgBouncer")
	}
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := b.Err(); err != nil {
		t.Errorf("Err after Stop = %v, want nil", err)
	}
	select {
	case <-b.Done():
	default:
		t.Fatal("Done is open after Stop")
	}
	if err := b.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(ctx, url); err == nil {
		conn.Close(ctx)
		t.Error("connected through a stopped PgBouncer")
	}
}

func TestServerIsRequired(t *testing.T) {
	if _, err := pgbouncer.Start(context.Background(), &pgbouncer.Config{}); err == nil {
		t.Error("Start without Config.Server succeeded")
	}
}
