package provision_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/examples/items"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// logins are the two ways an application may connect; provisioning must work
// for both.
var logins = []struct {
	name string
	opts *tenanttest.Options
}{
	{"superuser", nil},
	{"non-superuser", &tenanttest.Options{NonSuperuser: true}},
}

// withItems returns opts with the items application: the tenants of its
// database, and the spares of a pool on it (see newSpareEnv), get
// Tenantry's tables and then the application's items.
func withItems(opts *tenanttest.Options) *tenanttest.Options {
	o := tenanttest.Options{}
	if opts != nil {
		o = *opts
	}
	o.App = items.App()
	return &o
}

// appMigration is the items application's next migration, after its items
// table.
func appMigration(name, sql string) migrate.Migration {
	return migrate.Migration{Line: items.App().Name, Version: 2, Name: name, SQL: sql}
}

// acmeRequest is a valid request for the tenant acme with an owner.
func acmeRequest() provision.Request {
	return provision.Request{
		Slug: "acme", Name: "Acme Corp", Domain: "acme.example.com",
		Locale: "pt-BR", Timezone: "Europe/Paris", Currency: "eur",
		Admin: &provision.Admin{Username: "ana", Email: "Ana@Acme.Example.com", Password: "correct horse battery"},
	}
}

// footprint counts what tenants leave in a database: registry rows, domains,
// fleet-summary rows, tenant schemas and tenant roles.
type footprint struct {
	tenants, domains, states, schemas, roles int
}

func footprintOf(t *testing.T, env *tenanttest.Env) footprint {
	t.Helper()
	ctx := context.Background()
	oid, err := tenantdb.DatabaseOID(ctx, env.Pool)
	if err != nil {
		t.Fatal(err)
	}
	var f footprint
	err = env.Pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM public.tenants),
		(SELECT count(*) FROM public.domains),
		(SELECT count(*) FROM public.tenantry_schema_state WHERE schema_name LIKE 'tenant\_%'),
		(SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenant\_%'),
		(SELECT count(*) FROM pg_roles WHERE starts_with(rolname, $1))`, tenantdb.RolePrefix(oid)).
		Scan(&f.tenants, &f.domains, &f.states, &f.schemas, &f.roles)
	if err != nil {
		t.Fatalf("count tenant objects: %v", err)
	}
	return f
}

func assertFootprint(t *testing.T, env *tenanttest.Env, want footprint) {
	t.Helper()
	if got := footprintOf(t, env); got != want {
		t.Errorf("database holds %+v, want %+v", got, want)
	}
}

func TestCreateMakesTheWholeTenant(t *testing.T) {
	for _, login := range logins {
		t.Run(login.name, func(t *testing.T) {
			t.Parallel()
			env := tenanttest.Setup(t, withItems(login.opts))
			ten, err := env.Provisioner.Create(context.Background(), acmeRequest())
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			assertRegistered(t, ten)
			assertRole(t, env, ten)
			assertTables(t, env, ten.SchemaName, "items", "tenantry_migrations", "users")
			assertSchemaState(t, env, ten.SchemaName, env.Sets.Tenant.Latest())
			assertOwner(t, env, ten)
			assertFootprint(t, env, footprint{tenants: 1, domains: 1, states: 1, schemas: 1, roles: 1})
		})
	}
}

func assertRegistered(t *testing.T, ten *tenantry.Tenant) {
	t.Helper()
	if ten.Slug != "acme" || ten.SchemaName != "tenant_acme" || ten.Name != "Acme Corp" ||
		ten.Status != tenantry.StatusActive || ten.Locale != "pt-BR" || ten.Timezone != "Europe/Paris" ||
		ten.DefaultCurrency != "EUR" || ten.Plan != "free" {
		t.Errorf("created tenant = %+v", ten)
	}
	if len(ten.Domains) != 1 || ten.Domains[0] != "acme.example.com" {
		t.Errorf("domains = %q, want [acme.example.com]", ten.Domains)
	}
}

func assertRole(t *testing.T, env *tenanttest.Env, ten *tenantry.Tenant) {
	t.Helper()
	oid, err := tenantdb.DatabaseOID(context.Background(), env.Pool)
	if err != nil {
		t.Fatal(err)
	}
	if want := tenantdb.RoleName(oid, ten.ID); ten.RoleName != want {
		t.Errorf("role name = %q, want %q", ten.RoleName, want)
	}
	var canLogin, usage bool
	err = env.Pool.QueryRow(context.Background(), `SELECT rolcanlogin, has_schema_privilege(rolname, $2, 'USAGE')
		FROM pg_roles WHERE rolname = $1`, ten.RoleName, ten.SchemaName).Scan(&canLogin, &usage)
	if err != nil {
		t.Fatalf("find role %s: %v", ten.RoleName, err)
	}
	if canLogin || !usage {
		t.Errorf("role %s: can login %v, usage of %s %v; want NOLOGIN with usage", ten.RoleName, canLogin, ten.SchemaName, usage)
	}
}

// assertTables fails t unless schema holds each table of want (it may hold
// more: the tenant set grows).
func assertTables(t *testing.T, env *tenanttest.Env, schema string, want ...string) {
	t.Helper()
	rows, _ := env.Pool.Query(context.Background(), "SELECT tablename FROM pg_tables WHERE schemaname = $1", schema)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range want {
		if !slices.Contains(got, table) {
			t.Errorf("schema %s has tables %q, none called %s", schema, got, table)
		}
	}
}

func assertSchemaState(t *testing.T, env *tenanttest.Env, schema string, version int) {
	t.Helper()
	var kind string
	var got int
	var lastError *string
	err := env.Pool.QueryRow(context.Background(),
		"SELECT kind, version, last_error FROM public.tenantry_schema_state WHERE schema_name = $1", schema).
		Scan(&kind, &got, &lastError)
	if err != nil {
		t.Fatalf("schema state of %s: %v", schema, err)
	}
	if kind != "dynamic" || got != version || lastError != nil {
		t.Errorf("schema state of %s = %s v%d error %v, want dynamic v%d no error", schema, kind, got, lastError, version)
	}
}

func assertOwner(t *testing.T, env *tenanttest.Env, ten *tenantry.Tenant) {
	t.Helper()
	var username, email, role, hash string
	err := env.DB.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT username, email, role, password_hash FROM users").
			Scan(&username, &email, &role, &hash)
	})
	if err != nil {
		t.Fatalf("read first user: %v", err)
	}
	if username != "ana" || email != "ana@acme.example.com" || role != auth.RoleOwner {
		t.Errorf("first user = %s <%s> %s, want ana <ana@acme.example.com> owner", username, email, role)
	}
	if !strings.HasPrefix(hash, "$argon2id$") {
		t.Errorf("password hash %q is not argon2id", hash)
	}
	if ok, err := auth.VerifyPassword("correct horse battery", hash); !ok || err != nil {
		t.Errorf("the admin's password does not verify against its hash: %v, %v", ok, err)
	}
}

func TestCreateWithoutAdminMakesNoUser(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	req := acmeRequest()
	req.Admin = nil
	ten, err := env.Provisioner.Create(context.Background(), req)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	var n int
	err = env.DB.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT count(*) FROM users").Scan(&n)
	})
	if err != nil || n != 0 {
		t.Fatalf("users of a tenant created without admin: %d, %v; want 0", n, err)
	}
}

func TestCreateLeavesTheCallersAdminUntouched(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	req := acmeRequest()
	admin := *req.Admin
	if _, err := env.Provisioner.Create(context.Background(), req); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if *req.Admin != admin {
		t.Errorf("Create changed the caller's Admin from %+v to %+v", admin, *req.Admin)
	}
}

func TestDeleteRemovesEverything(t *testing.T) {
	for _, login := range logins {
		t.Run(login.name, func(t *testing.T) {
			t.Parallel()
			env := tenanttest.Setup(t, login.opts)
			keep := env.CreateTenant(t, "keep")
			gone := env.CreateTenant(t, "gone")
			if _, err := env.Pool.Exec(context.Background(),
				"INSERT INTO public.domains (domain, tenant_id) VALUES ('www.gone.test', $1)", gone.ID); err != nil {
				t.Fatal(err)
			}
			got, err := env.Provisioner.Delete(context.Background(), "www.gone.test")
			if err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if got.ID != gone.ID {
				t.Errorf("Delete returned tenant %v, want %v", got, gone)
			}
			assertFootprint(t, env, footprint{tenants: 1, domains: 1, states: 1, schemas: 1, roles: 1})
			assertGone(t, env, gone)
			if _, err := env.Registry.Find(context.Background(), keep.Slug); err != nil {
				t.Errorf("the other tenant went too: %v", err)
			}
		})
	}
}

// assertGone fails t if anything of ten is left: its registry row, domains,
// schema, role or fleet-summary row.
func assertGone(t *testing.T, env *tenanttest.Env, ten *tenantry.Tenant) {
	t.Helper()
	var rows, domains, states, schemas, roles int
	err := env.Pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM public.tenants WHERE id = $1),
		(SELECT count(*) FROM public.domains WHERE tenant_id = $1),
		(SELECT count(*) FROM public.tenantry_schema_state WHERE schema_name = $2),
		(SELECT count(*) FROM pg_namespace WHERE nspname = $2),
		(SELECT count(*) FROM pg_roles WHERE rolname = $3)`, ten.ID, ten.SchemaName, ten.RoleName).
		Scan(&rows, &domains, &states, &schemas, &roles)
	if err != nil {
		t.Fatal(err)
	}
	if rows+domains+states+schemas+roles != 0 {
		t.Errorf("tenant %s left %d rows, %d domains, %d states, %d schemas, %d roles",
			ten.Slug, rows, domains, states, schemas, roles)
	}
}

func TestDeleteUnknownTenantIsNotFound(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	for _, ref := range []string{"nobody", "tenant_nobody", "nobody.test", "999", ""} {
		if _, err := env.Provisioner.Delete(context.Background(), ref); !errors.Is(err, tenantry.ErrTenantNotFound) {
			t.Errorf("Delete(%q) = %v, want ErrTenantNotFound", ref, err)
		}
	}
	assertFootprint(t, env, footprint{tenants: 1, domains: 1, states: 1, schemas: 1, roles: 1})
}

// The slug tenant_x and the schema of the slug x are both "tenant_x": each
// operation must still pick the tenant it was asked for.
func TestSlugThatIsAnotherTenantsSchemaName(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	tx, err := env.Provisioner.Create(ctx, provision.Request{Slug: "tenant_x", Name: "TX", Domain: "tx.test"})
	if err != nil || tx.Slug != "tenant_x" {
		t.Fatalf("Create(tenant_x) = %v, %v", tx, err)
	}
	x, err := env.Provisioner.Create(ctx, provision.Request{Slug: "x", Name: "X", Domain: "x.test"})
	if err != nil || x.Slug != "x" || x.SchemaName != "tenant_x" {
		t.Fatalf("Create(x) = %v, %v; want the tenant x in schema tenant_x", x, err)
	}
	got, err := env.Provisioner.Delete(ctx, "tenant_x")
	if err != nil || got.ID != tx.ID {
		t.Fatalf("Delete(tenant_x) = %v, %v; want the tenant whose slug is tenant_x", got, err)
	}
	assertGone(t, env, tx)
	if _, err := env.Registry.Find(ctx, "x"); err != nil {
		t.Errorf("the tenant x went too: %v", err)
	}
}
