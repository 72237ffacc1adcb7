package fleet_test

import (
	"context"
	"fmt"
	"log"

	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/tenanttest"
)

// A release adds a migration to the application's line; the fleet applies
// it to every tenant's schema, each in its own transaction, and reports
// per schema. A second run finds nothing to do.
func ExampleFleet_Migrate() {
	env, done := tenanttest.NewExample(nil)
	defer done()
	ctx := context.Background()
	for _, slug := range []string{"acme", "globex", "initech"} {
		if _, err := env.NewTenant(ctx, slug); err != nil {
			log.Fatal(err)
		}
	}

	release, err := env.Sets.Tenant.With("tenant", migrate.Migration{Line: "notes", Version: 1, Name: "notes",
		SQL: "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL)"})
	if err != nil {
		log.Fatal(err)
	}
	f := fleet.New(env.Pool, &fleet.Config{Tenant: release})
	schemas, err := f.Select(ctx, fleet.Selector{Dynamic: true})
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		report, err := f.Migrate(ctx, schemas, &fleet.Options{Parallel: 2})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d schemas: %d migrated, %d up to date, %d failed\n",
			report.Total, report.Changed, report.UpToDate, report.Failed)
	}
	// Output:
	// 3 schemas: 3 migrated, 0 up to date, 0 failed
	// 3 schemas: 0 migrated, 3 up to date, 0 failed
}
