package domains_test

import (
	"context"
	"testing"
	"time"

	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenanttest"
)

// seenWithin is how soon another server must see a domain change.
const seenWithin = time.Second

// otherServer returns a registry on a pool of its own, listening for
// notifications as another server process would, once connected.
func otherServer(t *testing.T, f *fixture) *registry.Registry {
	t.Helper()
	r := registry.New(tenanttest.Pool(t, f.env.URL), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Listen(ctx, f.env.URL) }()
	t.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(10 * time.Second); !r.Listening(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the listener did not connect")
		}
	}
	return r
}

// waitRoute waits until host routes to slug ("" for nowhere) on r, for at
// most seenWithin after since.
func waitRoute(t *testing.T, r *registry.Registry, host, slug string, since time.Time) {
	t.Helper()
	for {
		got := ""
		if ten, err := r.Lookup(context.Background(), host); err == nil {
			got = ten.Slug
		}
		if got == slug {
			t.Logf("%s routes to %q on another server %v after the change", host, slug, time.Since(since).Round(time.Millisecond))
			return
		}
		if time.Now().After(since.Add(seenWithin)) {
			t.Fatalf("another server still routes %s to %q %v after the change, want %q", host, got, seenWithin, slug)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDomainChangesReachAnotherServerWithinASecond(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	other := otherServer(t, f)
	waitRoute(t, other, "shop.acme.test", "", time.Now()) // remembered as routing nowhere
	waitRoute(t, other, "acme.test", "acme", time.Now())

	start := time.Now()
	f.add(t, "acme", "shop.acme.test", true)
	waitRoute(t, other, "shop.acme.test", "acme", start)
	for deadline := time.Now().Add(seenWithin); ; time.Sleep(10 * time.Millisecond) {
		ten, err := other.Lookup(ctx, "acme.test")
		if err == nil && ten.PrimaryDomain() == "shop.acme.test" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("another server's primary domain of acme is not shop.acme.test within %v", seenWithin)
		}
	}

	d := f.add(t, "acme", "late.example", false)
	waitRoute(t, other, "late.example", "", time.Now())
	f.dns.SetTXT("_tenantry.late.example", d.Token)
	start = time.Now()
	if _, err := f.svc.Verify(ctx, "acme", "late.example"); err != nil {
		t.Fatal(err)
	}
	waitRoute(t, other, "late.example", "acme", start)

	start = time.Now()
	if err := f.svc.Remove(ctx, "acme", "acme.test"); err != nil {
		t.Fatal(err)
	}
	waitRoute(t, other, "acme.test", "", start)
}
