package lms

import (
	"embed"
	"io/fs"

	"github.com/tenantry/tenantry/app"
	"github.com/tenantry/tenantry/console"
	"github.com/tenantry/tenantry/jobs"
)

//go:embed migrations/*.sql
var files embed.FS

// Migrations returns the application's tenant migrations: borrowers, loans
// and payments.
func Migrations() fs.FS {
	sub, err := fs.Sub(files, "migrations")
	if err != nil {
		panic(err) // the embedded directory is always there
	}
	return sub
}

// App returns the loan-management application: its tables, its roles in
// place of Tenantry's (a tenant's first user is a superadmin, users who
// join are viewers), its API, a seed, demo data and two per-schema
// commands.
func App() *app.App {
	return &app.App{
		Name:             "lms",
		Short:            "A multi-tenant loan-management system on Tenantry",
		TenantMigrations: Migrations(),
		Roles:            Roles,
		ReplaceRoles:     true,
		OwnerRole:        RoleSuperadmin,
		MemberRole:       RoleViewer,
		Routes:           Register,
		Seeds:            []jobs.SeedFunc{SeedExampleBorrower},
		Demo:             Demo,
		Commands:         Commands(),
		Console:          []console.Section{LoansSection()},
	}
}
