package tenanttest

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/app"
	"github.com/tenantry/tenantry/internal/scratchdb"
	"github.com/tenantry/tenantry/migrations"
)

// Options adjust NewDatabase. The zero value is a database owned by the
// server's superuser.
type Options struct {
	// NonSuperuser makes the database's owner, and the login of the URL
	// returned, a new role with LOGIN NOINHERIT CREATEROLE and no superuser
	// rights: how an application should log in in production.
	NonSuperuser bool
	// AdminURL is a maintenance database of the server to create the
	// database on, such as StartCluster returns. Default: the test server
	// (AdminURL).
	AdminURL string
	// App is the application whose migrations the database and its tenants
	// get: Tenantry's own, then the application's. Default nil: Tenantry's
	// own alone.
	App *app.App
}

// sets returns the migration sets of opts.App, or Tenantry's own.
func (opts *Options) sets(t testing.TB) app.Sets {
	t.Helper()
	sets, err := opts.appSets()
	if err != nil {
		t.Fatal(err)
	}
	return sets
}

func (opts *Options) appSets() (app.Sets, error) {
	if opts == nil || opts.App == nil {
		return app.Sets{Shared: migrations.Shared(), Tenant: migrations.Tenant()}, nil
	}
	sets, err := opts.App.Sets(nil)
	if err != nil {
		return app.Sets{}, fmt.Errorf("tenanttest: application %s: %w", opts.App.Name, err)
	}
	return sets, nil
}

// NewDatabase creates a database migrated with the shared set (of
// opts.App when set) and returns
// its URL. The database, its tenants' roles and its owner role (with
// NonSuperuser) are dropped when t ends.
func NewDatabase(t testing.TB, opts *Options) string {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	admin := opts.AdminURL
	if admin == "" {
		admin = AdminURL(t)
	}
	db, err := scratchdb.Create(context.Background(), admin,
		scratchdb.Options{Prefix: "tenantry_test_", NonSuperuser: opts.NonSuperuser, Shared: opts.sets(t).Shared})
	if err != nil {
		t.Fatalf("tenanttest: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Drop(context.Background()); err != nil {
			t.Errorf("tenanttest: %v", err)
		}
	})
	return db.URL
}

// Pool returns a pool on url, closed when t ends.
func Pool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatalf("tenanttest: %v", err)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("tenanttest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}
