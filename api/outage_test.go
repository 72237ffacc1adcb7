package api_test

import (
	"context"
	"fmt"
	"github.com/tenantry/tenantry/examples/items"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/internal/pgbreaker"
	"github.com/tenantry/tenantry/internal/scratchdb"
	"github.com/tenantry/tenantry/localpg"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanthttp"
)

// Phases of the outage test.
const (
	phaseUp       int32 = iota // the database runs
	phaseStopping              // a fast shutdown is under way
	phaseDown                  // the database is stopped
	phaseStarting              // the database is starting again
	phaseBack                  // the database runs again
)

// privateCluster is a PostgreSQL of the test's own, which it may stop and
// start again on the same data and socket.
type privateCluster struct {
	dir string
	c   *localpg.Cluster
}

func startPrivateCluster(t *testing.T) *privateCluster {
	t.Helper()
	dir, err := os.MkdirTemp("", "outage") // short: the socket lives in it
	if err != nil {
		t.Fatal(err)
	}
	pc := &privateCluster{dir: dir}
	pc.start(t)
	t.Cleanup(func() {
		if err := pc.c.Stop(); err != nil {
			t.Errorf("stop the private cluster: %v", err)
		}
		os.RemoveAll(dir)
	})
	if pc.c.SocketDir() != dir {
		t.Skipf("the temporary directory %s is too long to hold the socket, which would move on restart", dir)
	}
	return pc
}

func (pc *privateCluster) start(t *testing.T) {
	t.Helper()
	c, err := localpg.Start(context.Background(), &localpg.Config{Dir: pc.dir})
	if err != nil {
		t.Fatalf("start the private cluster: %v", err)
	}
	pc.c = c
}

// outageServer is the API on a pool behind a breaker, as "tenantry serve"
// wires it, with alpha.test provisioned and its owner logged in.
type outageServer struct {
	f       *apiFixture
	breaker *pgbreaker.Breaker
	dials   atomic.Int64 // dials that reached the network
	logs    lockedBuffer // the server's log and the breaker's
	token   string       // alpha's owner's access token
	opToken string       // a platform operator's access token
}

func newOutageServer(t *testing.T, dbURL string) *outageServer {
	t.Helper()
	s := &outageServer{}
	log := slog.New(slog.NewJSONHandler(&s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	dial := cfg.ConnConfig.DialFunc
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		s.dials.Add(1)
		return dial(ctx, network, addr)
	}
	s.breaker = pgbreaker.New(&pgbreaker.Config{Logger: log})
	s.breaker.Install(cfg.ConnConfig)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	reg := registry.New(pool, nil)
	prov := provision.New(pool, &provision.Config{TenantMigrations: itemSets(t).Tenant, OwnerRole: items.App().Owner()})
	_, err = prov.Create(context.Background(), provision.Request{Slug: "alpha", Name: "Alpha", Domain: "alpha.test",
		Admin: &provision.Admin{Username: "owner", Email: "owner@alpha.test", Password: "owner-password"}})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(&api.Config{Routes: itemRoutes, Pool: pool, Resolver: reg, DB: tenantdb.New(pool, nil), Signer: signer,
		FallbackDomains: []string{"localhost"}, Logger: log, Provisioner: prov, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	s.f = &apiFixture{srv: httptest.NewServer(h)}
	t.Cleanup(s.f.srv.Close)
	s.token = s.f.login(t, "alpha.test", "owner", "owner-password")
	op, err := auth.CreateOperator(context.Background(), pool, auth.NewOperator{Username: "root", Email: "root@example.test",
		Password: "root-password"})
	if err != nil {
		t.Fatal(err)
	}
	if s.opToken, _, err = signer.IssueForOperator(op.ID, op.Username); err != nil {
		t.Fatal(err)
	}
	return s
}

// outageRequest is a request that needs the database every time it is
// sent, and its status while the database runs.
type outageRequest struct {
	name string
	send func(t *testing.T) apiResponse
	ok   int
}

func (s *outageServer) requests() []outageRequest {
	var unknown atomic.Int64
	return []outageRequest{
		{"readyz", func(t *testing.T) apiResponse { return s.f.call(t, "GET", "localhost", "/readyz", "", nil) }, 200},
		{"items", func(t *testing.T) apiResponse {
			return s.f.call(t, "GET", "alpha.test", "/api/items/", s.token, nil)
		}, 200},
		{"unknown host", func(t *testing.T) apiResponse { // never cached: a lookup each time
			return s.f.call(t, "GET", fmt.Sprintf("nobody-%d.test", unknown.Add(1)), "/api/tenant", "", nil)
		}, 404},
		{"platform tenant", func(t *testing.T) apiResponse {
			return s.f.call(t, "GET", "localhost", "/api/platform/tenants/alpha", s.opToken, nil)
		}, 200},
	}
}

// outageTally counts the answers by phase, and checks each as it comes.
type outageTally struct {
	mu    sync.Mutex
	phase atomic.Int32
	ok    map[int32]map[string]int // phase -> request -> successes
	down  int                      // answers in phaseDown
}

// record checks one answer to r, sent and answered in phase p (-1 when the
// phase changed meanwhile): never a 500, and during the outage always 503
// with Retry-After.
func (ot *outageTally) record(t *testing.T, p int32, r outageRequest, resp apiResponse) {
	switch {
	case resp.Status == 0: // a transport error, already reported
	case resp.Status == r.ok:
	case resp.Status == http.StatusServiceUnavailable:
		checkDatabaseUnavailable(t, r.name, resp)
	default:
		t.Errorf("%s in phase %d: %d %s, want %d or 503", r.name, p, resp.Status, resp.Body, r.ok)
	}
	if p == phaseDown && resp.Status != http.StatusServiceUnavailable {
		t.Errorf("%s with the database stopped: %d %s, want 503", r.name, resp.Status, resp.Body)
	}
	ot.mu.Lock()
	defer ot.mu.Unlock()
	if p == phaseDown {
		ot.down++
	}
	if p >= 0 && resp.Status == r.ok {
		ot.ok[p][r.name]++
	}
}

// checkDatabaseUnavailable checks a 503 for a database outage.
func checkDatabaseUnavailable(t *testing.T, name string, resp apiResponse) {
	if resp.Header.Get("Retry-After") != "1" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") ||
		!strings.Contains(resp.Body, tenanthttp.DatabaseUnavailable) {
		t.Errorf("%s: 503 with Retry-After %q, Content-Type %q, body %s; want Retry-After 1 and a problem saying %q",
			name, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"), resp.Body, tenanthttp.DatabaseUnavailable)
	}
}

// drive sends reqs from workers goroutines in a loop until stop is closed.
func (ot *outageTally) drive(t *testing.T, reqs []outageRequest, workers int, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := reqs[i%len(reqs)]
				before := ot.phase.Load()
				resp := r.send(t)
				if ot.phase.Load() != before {
					before = -1
				}
				ot.record(t, before, r, resp)
			}
		})
	}
	return &wg
}

// allOK reports whether every request has succeeded in phase p.
func (ot *outageTally) allOK(p int32, reqs []outageRequest) bool {
	ot.mu.Lock()
	defer ot.mu.Unlock()
	for _, r := range reqs {
		if ot.ok[p][r.name] == 0 {
			return false
		}
	}
	return true
}

func (ot *outageTally) downAnswers() int {
	ot.mu.Lock()
	defer ot.mu.Unlock()
	return ot.down
}

func TestDatabaseRestartIs503WithRetryAfterThenRecovers(t *testing.T) {
	pc := startPrivateCluster(t)
	db, err := scratchdb.Create(t.Context(), pc.c.URL("postgres"), scratchdb.Options{Prefix: "outage_", Shared: itemSets(t).Shared})
	if err != nil {
		t.Fatal(err)
	}
	s := newOutageServer(t, db.URL)
	reqs := s.requests()
	ot := &outageTally{ok: map[int32]map[string]int{}}
	for p := phaseUp; p <= phaseBack; p++ {
		ot.ok[p] = map[string]int{}
	}
	stop := make(chan struct{})
	workers := ot.drive(t, reqs, 4, stop)
	defer func() { close(stop); workers.Wait() }()
	waitFor(t, "every request to succeed", func() bool { return ot.allOK(phaseUp, reqs) })

	ot.phase.Store(phaseStopping)
	if err := pc.c.Stop(); err != nil {
		t.Fatal(err)
	}
	dialsBefore, probesBefore, began := s.dials.Load(), s.breaker.Stats().Probes, time.Now()
	ot.phase.Store(phaseDown)
	waitFor(t, "answers and probes while down", func() bool {
		return ot.downAnswers() >= 200 && s.breaker.Stats().Probes-probesBefore >= 3
	})
	ot.phase.Store(phaseStarting)
	downFor, dials := time.Since(began), s.dials.Load()-dialsBefore

	pc.start(t)
	ot.phase.Store(phaseBack)
	back := time.Now()
	waitFor(t, "every request to succeed again", func() bool { return ot.allOK(phaseBack, reqs) })
	close(stop)
	workers.Wait()
	stop = make(chan struct{}) // for the deferred close

	// One probe per wait of at least 50ms, after the pool's 4 attempts
	// under way when the outage was noticed.
	bound := 4 + int64(downFor/(50*time.Millisecond)) + 1
	t.Logf("down %s: %d answers, all 503; %d dials (at most %d); back: all requests served %s after the restart",
		downFor.Round(time.Millisecond), ot.downAnswers(), dials, bound, time.Since(back).Round(time.Millisecond))
	if dials > bound {
		t.Errorf("%d dials while down for %s, want at most %d", dials, downFor, bound)
	}
	checkOutageLogged(t, s)
}

// checkOutageLogged checks that the outage was logged once, not per
// request: no error, and warnings only from the breaker.
func checkOutageLogged(t *testing.T, s *outageServer) {
	t.Helper()
	msgs := map[string]int{}
	for _, rec := range s.logs.lines() {
		if rec["level"] == "ERROR" || rec["level"] == "WARN" {
			msgs[fmt.Sprint(rec["msg"])]++
		}
		if rec["msg"] == "database back" {
			msgs["database back"]++
		}
	}
	st := s.breaker.Stats()
	opened, summaries, back := msgs["database unavailable; new connections back off"], msgs["database still unavailable"], msgs["database back"]
	if st.Outages == 0 || int64(opened) != st.Outages || int64(back) != st.Outages || st.Down {
		t.Errorf("outages %d, logged: %d opened, %d back; stats %+v", st.Outages, opened, back, st)
	}
	if len(msgs) > 3 || len(msgs)-min(summaries, 1) > 2 {
		t.Errorf("log records at warning level or above: %v, want only the breaker's", msgs)
	}
}
