package tenantdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/examples/items"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// logins are the two ways an application may connect; the isolation must
// hold for both.
var logins = []struct {
	name string
	opts *tenanttest.Options
}{
	{"superuser", nil},
	{"non-superuser", &tenanttest.Options{NonSuperuser: true}},
}

type fixture struct {
	env  *tenanttest.Env
	a, b *tenantry.Tenant
	one  *pgxpool.Pool // a pool of one connection, to inspect what a transaction left on it
	db   *tenantdb.DB  // tenant transactions on that one connection
}

// withItems returns opts with the items application, whose tenants have
// the items table the tests write and read.
func withItems(opts *tenanttest.Options) *tenanttest.Options {
	o := tenanttest.Options{}
	if opts != nil {
		o = *opts
	}
	o.App = items.App()
	return &o
}

func setup(t *testing.T, opts *tenanttest.Options) *fixture {
	t.Helper()
	env := tenanttest.Setup(t, withItems(opts))
	f := &fixture{env: env, a: env.CreateTenant(t, "alpha"), b: env.CreateTenant(t, "beta")}
	cfg, err := pgxpool.ParseConfig(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	if f.one, err = pgxpool.NewWithConfig(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.one.Close)
	f.db = tenantdb.New(f.one, nil)
	for _, ten := range []*tenantry.Tenant{f.a, f.b} {
		err := f.db.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error {
			_, err := tx.Exec(context.Background(), "INSERT INTO items (name) VALUES ($1)", "item of "+ten.Slug)
			return err
		})
		if err != nil {
			t.Fatalf("seed %s: %v", ten.Slug, err)
		}
	}
	return f
}

// assertClean fails t if the pool's one connection carries any tenant
// binding: search_path, role or tenantry.tenant_id.
func (f *fixture) assertClean(t *testing.T) {
	t.Helper()
	var path, current, session, tid string
	err := f.one.QueryRow(context.Background(), `SELECT current_setting('search_path'), current_user, session_user,
		coalesce(current_setting('tenantry.tenant_id', true), '')`).Scan(&path, &current, &session, &tid)
	if err != nil {
		t.Fatal(err)
	}
	if path != `"$user", public` || current != session || tid != "" {
		t.Errorf("connection keeps a tenant binding: search_path=%q current_user=%q session_user=%q tenant_id=%q",
			path, current, session, tid)
	}
}

func TestTransactionLeavesNothingOnTheConnection(t *testing.T) {
	for _, login := range logins {
		t.Run(login.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, login.opts)
			ctx := context.Background()
			f.assertClean(t)
			if err := f.db.InTenant(ctx, f.a, func(tx *tenantdb.Tx) error { return nil }); err != nil {
				t.Fatal(err)
			}
			f.assertClean(t)
			errBoom := errors.New("boom")
			if err := f.db.InTenant(ctx, f.a, func(tx *tenantdb.Tx) error { return errBoom }); !errors.Is(err, errBoom) {
				t.Fatalf("got %v, want the callback's error", err)
			}
			f.assertClean(t)
		})
	}
}

func TestTransactionIsBoundToItsTenant(t *testing.T) {
	for _, login := range logins {
		t.Run(login.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, login.opts)
			for _, ten := range []*tenantry.Tenant{f.a, f.b} {
				var titles []string
				var role, tid string
				err := f.db.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error {
					rows, _ := tx.Query(context.Background(), "SELECT name FROM items")
					for rows.Next() {
						var s string
						if err := rows.Scan(&s); err != nil {
							return err
						}
						titles = append(titles, s)
					}
					if rows.Err() != nil {
						return rows.Err()
					}
					return tx.QueryRow(context.Background(),
						"SELECT current_user, current_setting('tenantry.tenant_id')").Scan(&role, &tid)
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(titles) != 1 || titles[0] != "item of "+ten.Slug {
					t.Errorf("tenant %s sees %q, want only its own item", ten.Slug, titles)
				}
				if role != ten.RoleName {
					t.Errorf("tenant %s runs as %q, want its role %q", ten.Slug, role, ten.RoleName)
				}
			}
		})
	}
}

func TestOtherTenantsSchemaIsDenied(t *testing.T) {
	queries := []string{
		"SELECT count(*) FROM tenant_beta.items",
		"SELECT count(*) FROM tenant_beta.users",
		"INSERT INTO tenant_beta.items (name) VALUES ('planted')",
		"SELECT count(*) FROM public.tenants",
		"SELECT count(*) FROM public.domains",
	}
	for _, login := range logins {
		t.Run(login.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, login.opts)
			for _, q := range queries {
				err := f.db.InTenant(context.Background(), f.a, func(tx *tenantdb.Tx) error {
					_, err := tx.Exec(context.Background(), q)
					return err
				})
				var pgErr *pgconn.PgError
				if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
					t.Errorf("%s inside tenant alpha: got %v, want permission denied (42501)", q, err)
				}
				f.assertClean(t)
			}
		})
	}
}

func TestPanicInsideTransactionLeavesNothing(t *testing.T) {
	f := setup(t, &tenanttest.Options{NonSuperuser: true})
	func() {
		defer func() {
			if p := recover(); p != "oops" {
				t.Errorf("recovered %v, want the callback's panic", p)
			}
		}()
		_ = f.db.InTenant(context.Background(), f.a, func(tx *tenantdb.Tx) error {
			if _, err := tx.Exec(context.Background(), "INSERT INTO items (name) VALUES ('lost')"); err != nil {
				t.Fatal(err)
			}
			panic("oops")
		})
	}()
	f.assertClean(t)
	f.assertItems(t, f.a, 1)
}

func TestCancelledContextLeavesNothing(t *testing.T) {
	f := setup(t, &tenanttest.Options{NonSuperuser: true})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := f.db.InTenant(ctx, f.a, func(tx *tenantdb.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO items (name) VALUES ('lost')"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "SELECT pg_sleep(10)")
		return err
	})
	if err == nil {
		t.Fatal("a query past its deadline succeeded")
	}
	f.assertClean(t)
	f.assertItems(t, f.a, 1)
}

func TestSavepointRollbackKeepsTheBinding(t *testing.T) {
	f := setup(t, &tenanttest.Options{NonSuperuser: true})
	ctx := context.Background()
	err := f.db.InTenant(ctx, f.a, func(tx *tenantdb.Tx) error {
		sp, err := tx.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := sp.Exec(ctx, "SELECT set_config('search_path', 'tenant_beta, public', true)"); err != nil {
			return err
		}
		if _, err := sp.Exec(ctx, "SELECT 1/0"); err == nil {
			t.Error("division by zero succeeded")
		}
		if err := sp.Rollback(ctx); err != nil {
			return err
		}
		var title string
		return tx.QueryRow(ctx, "SELECT name FROM items").Scan(&title)
	})
	if err != nil {
		t.Fatal(err)
	}
	f.assertClean(t)
}

func TestRolesOffStillBindsSearchPath(t *testing.T) {
	f := setup(t, nil)
	db := tenantdb.New(f.one, &tenantdb.Config{DisableRoles: true})
	var title, role, session string
	err := db.InTenant(context.Background(), f.b, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT (SELECT name FROM items), current_user, session_user").Scan(&title, &role, &session)
	})
	if err != nil {
		t.Fatal(err)
	}
	if title != "item of beta" || role != session {
		t.Errorf("got item %q as %q, want beta's item as the login role %q", title, role, session)
	}
	f.assertClean(t)
}

func TestTenantWithoutRoleIsRefused(t *testing.T) {
	f := setup(t, nil)
	noRole := *f.a
	noRole.RoleName = ""
	err := f.db.InTenant(context.Background(), &noRole, func(tx *tenantdb.Tx) error { return nil })
	if !errors.Is(err, tenantdb.ErrNoRole) {
		t.Errorf("got %v, want ErrNoRole", err)
	}
}

func (f *fixture) assertItems(t *testing.T, ten *tenantry.Tenant, want int) {
	t.Helper()
	var n int
	err := f.db.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT count(*) FROM items").Scan(&n)
	})
	if err != nil || n != want {
		t.Errorf("tenant %s has %d items (err %v), want %d", ten.Slug, n, err, want)
	}
}

func TestPipelineIsBoundAndLeavesNothing(t *testing.T) {
	for _, login := range logins {
		t.Run(login.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, login.opts)
			ctx := context.Background()
			var title, role string
			var n int
			b := &pgx.Batch{}
			b.Queue("SELECT name FROM items").QueryRow(func(r pgx.Row) error { return r.Scan(&title) })
			b.Queue("SELECT current_user, (SELECT count(*) FROM items)").QueryRow(func(r pgx.Row) error { return r.Scan(&role, &n) })
			if err := f.db.Pipeline(ctx, f.b, b); err != nil {
				t.Fatal(err)
			}
			if title != "item of beta" || role != f.b.RoleName || n != 1 {
				t.Errorf("pipeline saw %q as %q (%d items), want beta's one item as beta's role", title, role, n)
			}
			f.assertClean(t)
			bad := &pgx.Batch{}
			bad.Queue("INSERT INTO items (name) VALUES ('lost')")
			bad.Queue("SELECT count(*) FROM tenant_alpha.items")
			err := f.db.Pipeline(ctx, f.b, bad)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
				t.Errorf("another tenant's table in a pipeline: got %v, want permission denied", err)
			}
			f.assertClean(t)
			f.assertItems(t, f.b, 1)
		})
	}
}

func TestPipelineIsOneTransaction(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	ctx := context.Background()
	var first, second int64
	b := &pgx.Batch{}
	b.Queue("SELECT txid_current()").QueryRow(func(r pgx.Row) error { return r.Scan(&first) })
	b.Queue("INSERT INTO items (name) VALUES ('pipelined')")
	b.Queue("SELECT txid_current()").QueryRow(func(r pgx.Row) error { return r.Scan(&second) })
	if err := f.db.Pipeline(ctx, f.b, b); err != nil {
		t.Fatal(err)
	}
	if first == 0 || first != second {
		t.Errorf("the pipeline's statements ran in transactions %d and %d, want one", first, second)
	}
	f.assertItems(t, f.b, 2)
	f.assertClean(t)
}
