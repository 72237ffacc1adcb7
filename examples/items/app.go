package items

import (
	"embed"
	"io/fs"

	"github.com/tenantry/tenantry/app"
	"github.com/tenantry/tenantry/console"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/migrate"
)

//go:embed migrations/*.sql
var files embed.FS

// Migrations returns the application's tenant migrations: the items table.
func Migrations() fs.FS {
	sub, err := fs.Sub(files, "migrations")
	if err != nil {
		panic(err) // the embedded directory is always there
	}
	return sub
}

// App returns the reference application: Tenantry's built-in roles, whose
// data:read and data:write permissions guard the items, one seed hook that
// adds a welcome item to each new tenant, and the items API.
func App() *app.App {
	return &app.App{
		Name:             "items",
		Command:          "tenantry",
		Short:            "Tenantry's reference application: schema-per-tenant items on PostgreSQL",
		TenantMigrations: Migrations(),
		Routes:           Register,
		Seeds:            []jobs.SeedFunc{SeedWelcomeItem},
		Demo:             Demo,
		Console:          []console.Section{ConsoleSection()},
	}
}

// TenantSet returns the tenant migration set of the application's schemas:
// Tenantry's own, then the items table. Benchmarks and tools that make
// tenants of the reference application outside the CLI use it.
func TenantSet() *migrate.Set {
	sets, err := App().Sets(nil)
	if err != nil {
		panic(err) // the embedded migrations are checked by the package's tests
	}
	return sets.Tenant
}
