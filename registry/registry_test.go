package registry_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// clock is a time source that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// frozenRegistry returns a registry on env's pool whose clock moves only
// when the test advances it, and no listener.
func frozenRegistry(t *testing.T, env *tenanttest.Env, cfg *registry.Config) (*registry.Registry, *clock) {
	t.Helper()
	r := registry.New(env.Pool, cfg)
	c := newClock()
	registry.SetClock(r, c.Now)
	return r, c
}

func exec(t *testing.T, env *tenanttest.Env, sql string, args ...any) {
	t.Helper()
	if _, err := env.Pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestFindByEveryName(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "other")
	acme := env.CreateTenant(t, "acme")
	exec(t, env, "INSERT INTO public.domains (domain, tenant_id) VALUES ('www.acme.example.com', $1)", acme.ID)
	refs := []string{"acme", "tenant_acme", "acme.test", "ACME.Test", "acme.test.", "Www.Acme.Example.COM.",
		strconv.FormatInt(acme.ID, 10), " acme "}
	for _, ref := range refs {
		got, err := env.Registry.Find(context.Background(), ref)
		if err != nil || got.ID != acme.ID {
			t.Errorf("Find(%q) = %v, %v; want %v", ref, got, err, acme)
			continue
		}
		if len(got.Domains) != 2 || got.Domains[0] != "acme.test" {
			t.Errorf("Find(%q).Domains = %q, want the primary acme.test first of two", ref, got.Domains)
		}
	}
}

func TestFindUnknownIsNotFound(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	for _, ref := range []string{"", "nobody", "tenant_nobody", "nobody.test", "0", "999999",
		"acme' OR '1'='1", "acme; DROP TABLE public.tenants", "ACME", "tenant_ACME"} {
		if got, err := env.Registry.Find(context.Background(), ref); !errors.Is(err, tenantry.ErrTenantNotFound) {
			t.Errorf("Find(%q) = %v, %v; want ErrTenantNotFound", ref, got, err)
		}
	}
	if ts, err := env.Registry.List(context.Background()); err != nil || len(ts) != 1 {
		t.Errorf("List after hostile finds = %d tenants, %v; want 1", len(ts), err)
	}
}

// A slug may look like another tenant's schema name: the slug tenant_x and
// the schema of the slug x are both "tenant_x". Find must still answer.
func TestFindPrefersSlugOverAnotherTenantsSchemaName(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	x := env.CreateTenant(t, "x")
	tx, err := env.Provisioner.Create(context.Background(), provision.Request{Slug: "tenant_x", Name: "T", Domain: "tx.test"})
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]*tenantry.Tenant{"tenant_x": tx, "x": x, "tenant_tenant_x": tx} {
		got, err := env.Registry.Find(context.Background(), ref)
		if err != nil || got.ID != want.ID {
			t.Errorf("Find(%q) = %v, %v; want %v", ref, got, err, want)
		}
	}
}

func TestListOrdersBySlug(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ts, err := env.Registry.List(context.Background())
	if err != nil || len(ts) != 0 {
		t.Fatalf("List of an empty registry = %v, %v; want none", ts, err)
	}
	for _, slug := range []string{"charlie", "alpha", "bravo"} {
		env.CreateTenant(t, slug)
	}
	ts, err = env.Registry.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ten := range ts {
		got = append(got, ten.Slug+" "+ten.Domains[0])
	}
	want := []string{"alpha alpha.test", "bravo bravo.test", "charlie charlie.test"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("List = %q, want %q", got, want)
	}
}

func TestSetStatus(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	acme := env.CreateTenant(t, "acme")
	r, _ := frozenRegistry(t, env, nil)
	ctx := context.Background()
	if got, err := r.Lookup(ctx, "acme.test"); err != nil || got.Status != tenantry.StatusActive {
		t.Fatalf("Lookup = %v, %v; want active acme", got, err)
	}
	got, err := r.SetStatus(ctx, "acme.test", tenantry.StatusSuspended)
	if err != nil || got.ID != acme.ID || got.Status != tenantry.StatusSuspended || !got.UpdatedAt.After(acme.UpdatedAt) {
		t.Fatalf("SetStatus = %+v, %v; want acme suspended, updated", got, err)
	}
	// The registry that made the change drops its own cache at once.
	if got, err := r.Lookup(ctx, "acme.test"); err != nil || got.Status != tenantry.StatusSuspended {
		t.Errorf("Lookup after SetStatus = %v, %v; want suspended", got, err)
	}
	if got, err := r.SetStatus(ctx, "acme", tenantry.StatusSuspended); err != nil || got.Status != tenantry.StatusSuspended {
		t.Errorf("SetStatus to the same status = %v, %v; want no error", got, err)
	}
	if _, err := r.SetStatus(ctx, "nobody", tenantry.StatusActive); !errors.Is(err, tenantry.ErrTenantNotFound) {
		t.Errorf("SetStatus of an unknown tenant = %v, want ErrTenantNotFound", err)
	}
}

func TestSetStatusRefusesUnknownStatus(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	for _, st := range []tenantry.Status{"", "deleted", "Active", "active ", "suspended'; --"} {
		_, err := env.Registry.SetStatus(context.Background(), "acme", st)
		var ve *tenantry.ValidationError
		if !errors.As(err, &ve) || ve.Field != "status" {
			t.Errorf("SetStatus(%q) = %v, want a *ValidationError for status", st, err)
		}
	}
	if got, err := env.Registry.Find(context.Background(), "acme"); err != nil || got.Status != tenantry.StatusActive {
		t.Errorf("after refused changes acme = %v, %v; want active", got, err)
	}
}

// Without a listener, Lookup answers from its cache until FallbackTTL has
// passed: a change made behind its back is not seen before, and is after.
func TestLookupServesFromCacheUntilFallbackTTL(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	r, clk := frozenRegistry(t, env, &registry.Config{FallbackTTL: 3 * time.Second})
	ctx := context.Background()
	if got, err := r.Lookup(ctx, "acme.test"); err != nil || got.Name != "Tenant acme" {
		t.Fatalf("Lookup = %v, %v", got, err)
	}
	exec(t, env, "UPDATE public.tenants SET name = 'Renamed' WHERE slug = 'acme'")
	clk.Advance(3 * time.Second)
	if got, err := r.Lookup(ctx, "acme.test"); err != nil || got.Name != "Tenant acme" {
		t.Fatalf("Lookup within FallbackTTL = %v, %v; want the cached name (no database read)", got, err)
	}
	clk.Advance(time.Millisecond)
	if got, err := r.Lookup(ctx, "acme.test"); err != nil || got.Name != "Renamed" {
		t.Errorf("Lookup after FallbackTTL = %v, %v; want the new name", got, err)
	}
}

func TestLookupUnknownHostIsRememberedForNegativeTTL(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	acme := env.CreateTenant(t, "acme")
	r, clk := frozenRegistry(t, env, &registry.Config{FallbackTTL: time.Minute, NegativeTTL: 2 * time.Second})
	ctx := context.Background()
	if _, err := r.Lookup(ctx, "new.acme.test"); !errors.Is(err, tenantry.ErrTenantNotFound) {
		t.Fatalf("Lookup of an unknown host = %v, want ErrTenantNotFound", err)
	}
	exec(t, env, "INSERT INTO public.domains (domain, tenant_id) VALUES ('new.acme.test', $1)", acme.ID)
	clk.Advance(2 * time.Second)
	if _, err := r.Lookup(ctx, "new.acme.test"); !errors.Is(err, tenantry.ErrTenantNotFound) {
		t.Fatalf("Lookup within NegativeTTL = %v, want the remembered ErrTenantNotFound", err)
	}
	clk.Advance(time.Millisecond)
	if got, err := r.Lookup(ctx, "new.acme.test"); err != nil || got.ID != acme.ID {
		t.Errorf("Lookup after NegativeTTL = %v, %v; want acme", got, err)
	}
}

func TestInvalidateDropsTheTenantsEntries(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	acme := env.CreateTenant(t, "acme")
	r, _ := frozenRegistry(t, env, &registry.Config{FallbackTTL: time.Hour, NegativeTTL: time.Hour})
	ctx := context.Background()
	if _, err := r.Lookup(ctx, "acme.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Lookup(ctx, "www.acme.test"); !errors.Is(err, tenantry.ErrTenantNotFound) {
		t.Fatalf("Lookup of an unknown host = %v", err)
	}
	exec(t, env, "UPDATE public.tenants SET status = 'suspended' WHERE id = $1", acme.ID)
	exec(t, env, "INSERT INTO public.domains (domain, tenant_id) VALUES ('www.acme.test', $1)", acme.ID)
	r.Invalidate(acme.ID + 1000)
	if got, _ := r.Lookup(ctx, "acme.test"); got.Status != tenantry.StatusActive {
		t.Fatalf("another tenant's invalidation dropped acme's entry")
	}
	r.Invalidate(acme.ID)
	if got, err := r.Lookup(ctx, "acme.test"); err != nil || got.Status != tenantry.StatusSuspended {
		t.Errorf("Lookup after Invalidate = %v, %v; want suspended", got, err)
	}
	if got, err := r.Lookup(ctx, "www.acme.test"); err != nil || got.ID != acme.ID {
		t.Errorf("Lookup of a host added before Invalidate = %v, %v; want acme", got, err)
	}
}

// With the default configuration and no listener, a change is seen once
// FallbackTTL (one second) has passed, on the real clock.
func TestChangeIsSeenWithinFallbackTTLWithoutListener(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	r := registry.New(env.Pool, nil)
	if _, err := r.Lookup(context.Background(), "acme.test"); err != nil {
		t.Fatal(err)
	}
	changed := time.Now()
	exec(t, env, "UPDATE public.tenants SET status = 'suspended' WHERE slug = 'acme'")
	waitForStatus(t, r, "acme.test", tenantry.StatusSuspended, changed.Add(time.Second+fallbackGrace))
}

// fallbackGrace is what a lookup after FallbackTTL may take on a busy
// machine: one query.
const fallbackGrace = 500 * time.Millisecond

// waitForStatus polls r's Lookup of host until the tenant has status st, and
// fails t if that has not happened by deadline.
func waitForStatus(t *testing.T, r *registry.Registry, host string, st tenantry.Status, deadline time.Time) {
	t.Helper()
	for {
		got, err := r.Lookup(context.Background(), host)
		if err == nil && got.Status == st {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Lookup(%s) = %v, %v at the deadline; want status %s", host, got, err, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSetStatusOfSlugThatIsAnotherTenantsSchemaName(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	x := env.CreateTenant(t, "x")
	if _, err := env.Provisioner.Create(ctx, provision.Request{Slug: "tenant_x", Name: "TX", Domain: "tx.test"}); err != nil {
		t.Fatal(err)
	}
	got, err := env.Registry.SetStatus(ctx, "x.test", tenantry.StatusSuspended)
	if err != nil || got.ID != x.ID || got.Status != tenantry.StatusSuspended {
		t.Errorf("SetStatus(x.test) = %v, %v; want x suspended", got, err)
	}
}

func TestCacheStatsCountHitsAndMisses(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	r, _ := frozenRegistry(t, env, nil)
	ctx := context.Background()
	for _, host := range []string{"acme.test", "acme.test", "nobody.test", "nobody.test", "acme.test"} {
		_, _ = r.Lookup(ctx, host) // nobody.test: not found, remembered
	}
	if got, want := r.CacheStats(), (registry.CacheStats{Hits: 3, Misses: 2, Reads: 2, Entries: 2}); got != want {
		t.Fatalf("CacheStats() = %+v, want %+v", got, want)
	}
}

// TestConcurrentMissesShareOneRead holds the registry's read of a host
// behind a lock on public.domains: twenty lookups of that host wait on one
// database read, not twenty, and all get the tenant; a lookup that starts
// after an invalidation does not join the read begun before it.
func TestConcurrentMissesShareOneRead(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	acme := env.CreateTenant(t, "acme")
	r := registry.New(env.Pool, nil)
	ctx := context.Background()

	blocker, err := env.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback(ctx) //nolint:errcheck // committed or rolled back below
	if _, err := blocker.Exec(ctx, "LOCK TABLE public.domains IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	// waiting counts the registry's reads blocked behind the lock.
	waiting := func() int {
		var n int
		err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%public.domains d%'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}

	const lookups = 20
	type answer struct {
		t   *tenantry.Tenant
		err error
	}
	answers := make(chan answer, lookups+1)
	for range lookups {
		go func() {
			got, err := r.Lookup(ctx, "acme.test")
			answers <- answer{got, err}
		}()
	}
	waitFor("every lookup to miss", func() bool { return r.CacheStats().Misses == lookups })
	waitFor("the shared read to block", func() bool { return waiting() == 1 })
	time.Sleep(200 * time.Millisecond) // a lookup that failed to join would show as a second read
	if n := waiting(); n != 1 {
		t.Fatalf("%d reads wait for the lock, want 1 shared by %d lookups", n, lookups)
	}

	r.Invalidate(acme.ID)
	go func() {
		got, err := r.Lookup(ctx, "acme.test")
		answers <- answer{got, err}
	}()
	waitFor("the lookup after the invalidation to read on its own", func() bool { return waiting() == 2 })

	if err := blocker.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for range lookups + 1 {
		a := <-answers
		if a.err != nil || a.t.ID != acme.ID {
			t.Errorf("Lookup(acme.test) = %v, %v; want tenant %d", a.t, a.err, acme.ID)
		}
	}
	if s := r.CacheStats(); s.Misses != lookups+1 || s.Reads != 2 {
		t.Errorf("CacheStats() = %+v, want %d misses and 2 reads", s, lookups+1)
	}
}
