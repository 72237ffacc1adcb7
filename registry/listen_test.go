package registry_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// seenWithin is how soon a change made in one process must be seen by
// another that listens: the "within a second".
const seenWithin = time.Second

// otherProcess returns a registry on a pool of its own, as another server
// process would have, listening on connString until t ends. It waits until
// the listener is connected.
func otherProcess(t *testing.T, env *tenanttest.Env, connString string) *registry.Registry {
	t.Helper()
	r := registry.New(tenanttest.Pool(t, env.URL), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Listen(ctx, connString) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Listen: %v", err)
		}
	})
	waitUntil(t, 10*time.Second, "the listener connects", r.Listening)
	return r
}

func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func lookup(t *testing.T, r *registry.Registry, host string) *tenantry.Tenant {
	t.Helper()
	got, err := r.Lookup(context.Background(), host)
	if err != nil {
		t.Fatalf("Lookup(%s): %v", host, err)
	}
	return got
}

func TestSuspensionIsSeenByAnotherProcessWithinASecond(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	b := otherProcess(t, env, env.URL)
	if got := lookup(t, b, "acme.test"); got.Status != tenantry.StatusActive {
		t.Fatalf("acme is %s, want active", got.Status)
	}
	if _, err := env.Registry.SetStatus(context.Background(), "acme", tenantry.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	waitForStatus(t, b, "acme.test", tenantry.StatusSuspended, time.Now().Add(seenWithin))
	if _, err := env.Registry.SetStatus(context.Background(), "acme", tenantry.StatusActive); err != nil {
		t.Fatal(err)
	}
	waitForStatus(t, b, "acme.test", tenantry.StatusActive, time.Now().Add(seenWithin))
}

// Changes made with plain SQL, not through the library, are announced by the
// tables' triggers.
func TestPlainSQLChangesAreSeenByAnotherProcess(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	acme := env.CreateTenant(t, "acme")
	b := otherProcess(t, env, env.URL)
	lookup(t, b, "acme.test")
	// An unknown host is remembered as unknown until a domain is added.
	if _, err := b.Lookup(context.Background(), "shop.acme.test"); !errors.Is(err, tenantry.ErrTenantNotFound) {
		t.Fatalf("Lookup of an unknown host = %v, want ErrTenantNotFound", err)
	}
	exec(t, env, "INSERT INTO public.domains (domain, tenant_id) VALUES ('shop.acme.test', $1)", acme.ID)
	waitUntil(t, seenWithin, "the added domain is found", func() bool {
		got, err := b.Lookup(context.Background(), "shop.acme.test")
		return err == nil && got.ID == acme.ID
	})
	exec(t, env, "UPDATE public.tenants SET status = 'terminated' WHERE id = $1", acme.ID)
	waitForStatus(t, b, "shop.acme.test", tenantry.StatusTerminated, time.Now().Add(seenWithin))
	exec(t, env, "DELETE FROM public.domains WHERE domain = 'acme.test'")
	waitUntil(t, seenWithin, "the removed domain is forgotten", func() bool {
		_, err := b.Lookup(context.Background(), "acme.test")
		return errors.Is(err, tenantry.ErrTenantNotFound)
	})
}

// A domain moved from one tenant to another must leave the old tenant's
// cached entry, which only a notification of the old tenant evicts.
func TestMovedDomainIsSeenByAnotherProcess(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	beta := env.CreateTenant(t, "beta")
	b := otherProcess(t, env, env.URL)
	lookup(t, b, "acme.test")
	exec(t, env, "UPDATE public.domains SET tenant_id = $1, is_primary = false WHERE domain = 'acme.test'", beta.ID)
	waitUntil(t, seenWithin, "the moved domain resolves to its new tenant", func() bool {
		got, err := b.Lookup(context.Background(), "acme.test")
		return err == nil && got.ID == beta.ID
	})
}

func TestDeletedTenantIsForgottenByAnotherProcess(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	b := otherProcess(t, env, env.URL)
	lookup(t, b, "acme.test")
	if _, err := env.Provisioner.Delete(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, seenWithin, "the deleted tenant is forgotten", func() bool {
		_, err := b.Lookup(context.Background(), "acme.test")
		return errors.Is(err, tenantry.ErrTenantNotFound)
	})
}

// listenerPID returns the backend of r's listener, the session other than
// this one that ran LISTEN as user, or 0 when there is none.
func listenerPID(t *testing.T, env *tenanttest.Env, user string, not int32) int32 {
	t.Helper()
	var pid int32
	err := env.Pool.QueryRow(context.Background(), `SELECT coalesce(max(pid), 0) FROM pg_stat_activity
		WHERE datname = current_database() AND usename = $1 AND query = $2 AND pid <> $3 AND pid <> pg_backend_pid()`,
		user, "LISTEN "+registry.Channel, not).Scan(&pid)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func terminate(t *testing.T, env *tenanttest.Env, pid int32) {
	t.Helper()
	var ok bool
	if err := env.Pool.QueryRow(context.Background(), "SELECT pg_terminate_backend($1)", pid).Scan(&ok); err != nil || !ok {
		t.Fatalf("terminate listener backend %d: %v, %v", pid, ok, err)
	}
}

func currentUser(t *testing.T, env *tenanttest.Env) string {
	t.Helper()
	var u string
	if err := env.Pool.QueryRow(context.Background(), "SELECT current_user").Scan(&u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestListenerReconnectsAfterItsBackendIsKilled(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	b := otherProcess(t, env, env.URL)
	user := currentUser(t, env)
	old := listenerPID(t, env, user, 0)
	if old == 0 {
		t.Fatal("no listener backend found")
	}
	lookup(t, b, "acme.test")
	terminate(t, env, old)
	waitUntil(t, 10*time.Second, "the listener reconnects", func() bool {
		return b.Listening() && listenerPID(t, env, user, old) != 0
	})
	if _, err := env.Registry.SetStatus(context.Background(), "acme", tenantry.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	waitForStatus(t, b, "acme.test", tenantry.StatusSuspended, time.Now().Add(seenWithin))
}

// While the listener cannot reconnect, what was cached for the long TTL
// must not outlive FallbackTTL: notifications are being missed.
func TestCacheFallsBackWhileListenerIsDown(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	oid, err := tenantdb.DatabaseOID(context.Background(), env.Pool)
	if err != nil {
		t.Fatal(err)
	}
	// Named like a tenant role, so that the database's clean-up drops it
	// should the test stop early.
	role := tenantdb.RolePrefix(oid) + "listener"
	exec(t, env, "CREATE ROLE "+sqlquote.Ident(role)+" LOGIN")
	t.Cleanup(func() {
		if _, err := env.Pool.Exec(context.Background(), "DROP ROLE "+sqlquote.Ident(role)); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	u, err := url.Parse(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	b := otherProcess(t, env, u.String())
	if got := lookup(t, b, "acme.test"); got.Status != tenantry.StatusActive {
		t.Fatalf("acme is %s, want active", got.Status)
	}
	exec(t, env, "ALTER ROLE "+sqlquote.Ident(role)+" NOLOGIN")
	terminate(t, env, listenerPID(t, env, role, 0))
	waitUntil(t, 10*time.Second, "the listener notices it is disconnected", func() bool { return !b.Listening() })
	changed := time.Now()
	exec(t, env, "UPDATE public.tenants SET status = 'suspended' WHERE slug = 'acme'")
	waitForStatus(t, b, "acme.test", tenantry.StatusSuspended, changed.Add(time.Second+fallbackGrace))
}
