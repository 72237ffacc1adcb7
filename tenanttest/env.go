package tenanttest

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/app"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
)

// Env is a fresh database with the library's parts wired to it.
type Env struct {
	Sets        app.Sets // the migration sets of the database and its tenants
	URL         string
	Pool        *pgxpool.Pool
	Registry    *registry.Registry
	DB          *tenantdb.DB
	Provisioner *provision.Provisioner
}

// Setup creates a fresh database (see NewDatabase) and wires a pool, a
// registry, a tenantdb.DB and a provisioner to it; with opts.App, the
// provisioner makes tenants with the application's migrations and its
// owner role.
func Setup(t testing.TB, opts *Options) *Env {
	t.Helper()
	url := NewDatabase(t, opts)
	return wire(url, Pool(t, url), opts.sets(t), opts)
}

// wire builds the Env of a database at url.
func wire(url string, pool *pgxpool.Pool, sets app.Sets, opts *Options) *Env {
	pcfg := &provision.Config{TenantMigrations: sets.Tenant}
	if opts != nil && opts.App != nil {
		pcfg.OwnerRole = opts.App.Owner()
	}
	return &Env{
		Sets:        sets,
		URL:         url,
		Pool:        pool,
		Registry:    registry.New(pool, nil),
		DB:          tenantdb.New(pool, nil),
		Provisioner: provision.New(pool, pcfg),
	}
}

// CreateTenant provisions a tenant with slug, domain <slug>.test and an
// owner "owner" (password "owner-password"), failing t on error.
func (e *Env) CreateTenant(t testing.TB, slug string) *tenantry.Tenant {
	t.Helper()
	ten, err := e.NewTenant(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return ten
}

// NewTenant is CreateTenant returning its error, for Example functions.
func (e *Env) NewTenant(ctx context.Context, slug string) (*tenantry.Tenant, error) {
	ten, err := e.Provisioner.Create(ctx, provision.Request{
		Slug: slug, Name: "Tenant " + slug, Domain: slug + ".test",
		Admin: &provision.Admin{Username: "owner", Email: fmt.Sprintf("owner@%s.test", slug), Password: "owner-password"},
	})
	if err != nil {
		return nil, fmt.Errorf("create tenant %s: %w", slug, err)
	}
	return ten, nil
}
