package domains_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/tenantry/tenantry/domains"
	"github.com/tenantry/tenantry/migrations"
	"github.com/tenantry/tenantry/tenanttest"
)

// worker starts a River client that works f's verification jobs until t
// ends, and returns a Service that queues them through it.
func (f *fixture) worker(t *testing.T) *domains.Service {
	t.Helper()
	workers := river.NewWorkers()
	client, err := river.NewClient(riverpgxv5.New(f.env.Pool), &river.Config{Schema: migrations.RiverSchema,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}}, Workers: workers,
		FetchPollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc := f.service(t, client)
	river.AddWorker(workers, domains.NewWorker(svc))
	if err := client.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := client.Stop(ctx); err != nil {
			t.Errorf("stop River: %v", err)
		}
	})
	return svc
}

func (f *fixture) waitForStatus(t *testing.T, domain string, want domains.Status) *domains.Domain {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		list, err := f.svc.List(context.Background(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range list {
			if d.Name == domain && d.Status == want {
				return d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not become %s: %+v", domain, want, list)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Adding a pending domain queues its check; a failed check is retried
// later, and "verify" brings the next attempt forward.
func TestVerificationJobChecksUntilVerified(t *testing.T) {
	t.Parallel()
	f := setup(t)
	svc := f.worker(t)
	d, err := svc.Add(context.Background(), "acme", "jobs.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	// The first check fails (no proof yet) and the job waits to retry.
	jobState := func() string {
		var state string
		if err := f.env.Pool.QueryRow(context.Background(), `SELECT state FROM `+
			pgx.Identifier{migrations.RiverSchema, "river_job"}.Sanitize()+` WHERE kind = $1`, domains.KindVerify).Scan(&state); err != nil {
			t.Fatal(err)
		}
		return state
	}
	for deadline := time.Now().Add(15 * time.Second); jobState() != "retryable"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the queued check is %s, never retryable", jobState())
		}
	}
	if got := f.waitForStatus(t, "jobs.example", domains.StatusPending); got.CheckedAt == nil || got.LastError == "" {
		t.Fatalf("after the failed check the domain is %+v, want its error recorded", got)
	}
	f.dns.SetTXT("_tenantry.jobs.example", d.Token)
	if _, err := svc.StartVerify(context.Background(), "acme", "jobs.example"); err != nil {
		t.Fatal(err)
	}
	got := f.waitForStatus(t, "jobs.example", domains.StatusVerified)
	if got.VerifiedBy != domains.ByDNS {
		t.Errorf("verified by %q, want dns", got.VerifiedBy)
	}
}

// A check holds no database connection while it waits on the network:
// with a pool of one connection, the database stays usable while the HTTP
// check hangs.
func TestCheckHoldsNoConnectionWhileOnTheNetwork(t *testing.T) {
	t.Parallel()
	f := setup(t)
	url := f.env.URL
	if strings.Contains(url, "?") {
		url += "&pool_max_conns=1"
	} else {
		url += "?pool_max_conns=1"
	}
	pool := tenanttest.Pool(t, url)
	svc, err := domains.New(pool, &domains.Config{BaseDomain: "test", Resolver: f.dns.Addr, HTTPPort: f.port,
		AllowPrivateAddresses: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Add(context.Background(), "acme", "slow.example", nil); err != nil {
		t.Fatal(err)
	}
	f.dns.SetIP("slow.example", "127.0.0.1")
	inCheck, release := make(chan struct{}), make(chan struct{})
	f.web.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		close(inCheck)
		<-release
		http.NotFound(w, nil)
	})
	done := make(chan error, 1)
	go func() { _, err := svc.Verify(context.Background(), "acme", "slow.example"); done <- err }()
	<-inCheck
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var one int
	err = pool.QueryRow(ctx, "SELECT 1").Scan(&one)
	close(release)
	if err != nil {
		t.Fatalf("the pool's only connection is held during the HTTP check: %v", err)
	}
	if err := <-done; err == nil {
		t.Error("Verify of a domain without proof succeeded")
	}
}
