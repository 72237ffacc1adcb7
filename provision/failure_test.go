package provision_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/migrations"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestCreateWithTakenDomainLeavesNothing(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	first := env.CreateTenant(t, "first")
	before := footprintOf(t, env)
	for _, domain := range []string{first.Domains[0], strings.ToUpper(first.Domains[0]) + "."} {
		req := acmeRequest()
		req.Domain = domain
		_, err := env.Provisioner.Create(context.Background(), req)
		if !errors.Is(err, tenantry.ErrDomainTaken) {
			t.Fatalf("Create with domain %s = %v, want ErrDomainTaken", domain, err)
		}
		assertNoRawPgError(t, err)
	}
	assertFootprint(t, env, before)
	if _, err := env.Registry.Find(context.Background(), "acme"); !errors.Is(err, tenantry.ErrTenantNotFound) {
		t.Errorf("Find(acme) after a failed create = %v, want ErrTenantNotFound", err)
	}
}

func TestCreateWithBrokenMigrationLeavesNothing(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	set, err := migrations.Tenant().With("broken", migrate.Migration{
		Version: 100, Name: "broken", SQL: "CREATE TABLE notes (id bigint); CREATE TABLE oops (x no_such_type)",
	})
	if err != nil {
		t.Fatal(err)
	}
	p := provision.New(env.Pool, &provision.Config{TenantMigrations: set})
	_, err = p.Create(context.Background(), acmeRequest())
	var me *migrate.Error
	if !errors.As(err, &me) || me.Version != 100 {
		t.Fatalf("Create with a broken migration = %v, want a *migrate.Error for version 100", err)
	}
	assertFootprint(t, env, footprint{})
}

func TestCreateOverOrphanSchemaIsTenantExists(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	if _, err := env.Pool.Exec(ctx, "CREATE SCHEMA tenant_acme; CREATE TABLE tenant_acme.precious (v text); "+
		"INSERT INTO tenant_acme.precious VALUES ('keep me')"); err != nil {
		t.Fatal(err)
	}
	_, err := env.Provisioner.Create(ctx, acmeRequest())
	if !errors.Is(err, tenantry.ErrTenantExists) {
		t.Fatalf("Create over an orphan schema = %v, want ErrTenantExists", err)
	}
	assertNoRawPgError(t, err)
	assertFootprint(t, env, footprint{schemas: 1})
	var v string
	if err := env.Pool.QueryRow(ctx, "SELECT v FROM tenant_acme.precious").Scan(&v); err != nil || v != "keep me" {
		t.Errorf("the orphan schema's data = %q, %v; want it untouched", v, err)
	}
}

func TestCreateOfExistingSlugIsTenantExists(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	before := footprintOf(t, env)
	req := acmeRequest()
	req.Domain = "other.example.com"
	if _, err := env.Provisioner.Create(context.Background(), req); !errors.Is(err, tenantry.ErrTenantExists) {
		t.Fatalf("second Create of acme = %v, want ErrTenantExists", err)
	}
	assertFootprint(t, env, before)
}

// assertNoRawPgError fails t if err carries a PostgreSQL error: callers must
// get the library's errors only.
func assertNoRawPgError(t *testing.T, err error) {
	t.Helper()
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		t.Errorf("error %q wraps the raw PostgreSQL error %s", err, pgErr.Code)
	}
}

// race runs fn in n goroutines released at the same moment and returns their
// errors.
func race(n int, fn func() error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn()
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func TestConcurrentCreatesOfOneSlug(t *testing.T) {
	for _, login := range logins {
		t.Run(login.name, func(t *testing.T) {
			t.Parallel()
			env := tenanttest.Setup(t, login.opts)
			req := acmeRequest()
			errs := race(8, func() error {
				_, err := env.Provisioner.Create(context.Background(), req)
				return err
			})
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, tenantry.ErrTenantExists):
					t.Errorf("a losing Create = %v, want ErrTenantExists", err)
				default:
					assertNoRawPgError(t, err)
				}
			}
			if won != 1 {
				t.Errorf("%d creates succeeded, want exactly 1", won)
			}
			assertFootprint(t, env, footprint{tenants: 1, domains: 1, states: 1, schemas: 1, roles: 1})
		})
	}
}

func TestConcurrentDeletesOfOneTenant(t *testing.T) {
	for _, login := range logins {
		t.Run(login.name, func(t *testing.T) {
			t.Parallel()
			env := tenanttest.Setup(t, login.opts)
			env.CreateTenant(t, "other")
			ten := env.CreateTenant(t, "acme")
			errs := race(8, func() error {
				_, err := env.Provisioner.Delete(context.Background(), "acme")
				return err
			})
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, tenantry.ErrTenantNotFound):
					t.Errorf("a losing Delete = %v, want ErrTenantNotFound", err)
				default:
					assertNoRawPgError(t, err)
				}
			}
			if won != 1 {
				t.Errorf("%d deletes succeeded, want exactly 1", won)
			}
			assertGone(t, env, ten)
			assertFootprint(t, env, footprint{tenants: 1, domains: 1, states: 1, schemas: 1, roles: 1})
		})
	}
}
