package pgbreaker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/internal/pgbreaker"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// messages counts the log records by message.
func (s *syncBuffer) messages(t *testing.T) map[string]int {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(s.buf.String()), "\n") {
		var rec struct{ Msg string }
		if line == "" {
			continue
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		n[rec.Msg]++
	}
	return n
}

// switchableServer is the test server's Unix socket seen through a
// directory of our own: connections fail (no socket file) until up links
// the real socket into it. The database is then really unreachable, and
// really back, without stopping the shared test server.
type switchableServer struct {
	dir, port, socket string
	user              *url.Userinfo
}

func newSwitchableServer(t *testing.T) *switchableServer {
	t.Helper()
	u, err := url.Parse(tenanttest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	host, port := u.Query().Get("host"), u.Query().Get("port")
	if !filepath.IsAbs(host) || port == "" {
		t.Skip("the test server is not reached over a Unix socket")
	}
	dir, err := os.MkdirTemp("", "pgb") // short: a socket path holds 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return &switchableServer{dir: dir, port: port, user: u.User, socket: filepath.Join(host, ".s.PGSQL."+port)}
}

func (s *switchableServer) url() string {
	return "postgres://" + s.user.String() + "@/postgres?host=" + url.QueryEscape(s.dir) + "&port=" + s.port
}

func (s *switchableServer) up(t *testing.T) {
	t.Helper()
	if err := os.Symlink(s.socket, filepath.Join(s.dir, ".s.PGSQL."+s.port)); err != nil {
		t.Fatal(err)
	}
}

// countingPool returns a pool on url behind a breaker, and a counter of
// the dials that reached the network.
func countingPool(t *testing.T, url string, b *pgbreaker.Breaker) (*pgxpool.Pool, *atomic.Int64) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	var dials atomic.Int64
	dial := cfg.ConnConfig.DialFunc
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return dial(ctx, network, addr)
	}
	b.Install(cfg.ConnConfig)
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, &dials
}

func TestBreakerBoundsDialsWhileDownAndRecovers(t *testing.T) {
	srv := newSwitchableServer(t)
	var logs syncBuffer
	// A summary after every failed probe, rather than every ten seconds.
	b := pgbreaker.New(&pgbreaker.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), SummaryEvery: time.Nanosecond})
	pool, dials := countingPool(t, srv.url(), b)

	// Down: 8 clients ping as fast as they can until the breaker has
	// probed a few times.
	const clients, probes = 8, 4
	began := time.Now()
	var wg sync.WaitGroup
	var requests atomic.Int64
	for range clients {
		wg.Go(func() {
			for b.Stats().Probes < probes && time.Since(began) < time.Minute {
				requests.Add(1)
				if err := pool.Ping(t.Context()); !pgerr.Unavailable(err) {
					t.Errorf("ping while down: %v, want an unavailable error", err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	// Each wait lasts at least MinBackoff/2 (50ms): at most one probe per
	// wait, after the attempts under way when the outage was noticed.
	bound := int64(clients) + int64(elapsed/(50*time.Millisecond)) + 1
	st := b.Stats()
	t.Logf("down: %d requests in %s, %d dials (bound %d), %d refused, %d probes",
		requests.Load(), elapsed.Round(time.Millisecond), dials.Load(), bound, st.Refused, st.Probes)
	if dials.Load() > bound {
		t.Errorf("%d dials for %d requests in %s, want at most %d", dials.Load(), requests.Load(), elapsed, bound)
	}
	if !st.Down || st.Outages != 1 || st.Probes < probes || st.Refused == 0 {
		t.Errorf("stats while down = %+v, want down, one outage, refusals", st)
	}

	// Back: the next probe connects.
	srv.up(t)
	deadline := time.Now().Add(30 * time.Second)
	for err := pool.Ping(t.Context()); err != nil; err = pool.Ping(t.Context()) {
		if !pgerr.Unavailable(err) || time.Now().After(deadline) {
			t.Fatalf("ping after the database came back: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := b.Stats(); st.Down {
		t.Errorf("stats once back = %+v, want not down", st)
	}
	msgs := logs.messages(t)
	if msgs["database unavailable; new connections back off"] != 1 || msgs["database back"] != 1 ||
		msgs["database still unavailable"] == 0 || int64(msgs["database still unavailable"]) > b.Stats().Probes {
		t.Errorf("log messages = %v, want one warning, a summary per failed probe and one \"database back\"", msgs)
	}
}

// queryCounter is a tracer of the application's own.
type queryCounter struct{ n atomic.Int64 }

func (q *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	q.n.Add(1)
	return ctx
}

func (q *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func TestBreakerKeepsTheConfiguredTracerAndPassesWhileUp(t *testing.T) {
	cfg, err := pgxpool.ParseConfig(tenanttest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	var q queryCounter
	cfg.ConnConfig.Tracer = &q
	b := pgbreaker.New(nil)
	b.Install(cfg.ConnConfig)
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(t.Context(), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if q.n.Load() == 0 {
		t.Error("the configured tracer saw no query")
	}
	if st := b.Stats(); st.Down || st.Attempts != 1 || st.Refused != 0 || st.Outages != 0 {
		t.Errorf("stats = %+v, want one attempt and no outage", st)
	}
}
