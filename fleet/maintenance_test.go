package fleet_test

import (
	"context"
	"testing"

	"github.com/tenantry/tenantry/fleet"
)

// With Maintenance, a tenant is in maintenance while its own schema
// migrates, and no other is: the migration itself records what it saw.
// An operator's maintenance is left as it was.
func TestMigrateWithMaintenancePausesOnlyTheTenantBeingMigrated(t *testing.T) {
	env := setup(t, "alpha", "beta", "gamma")
	ctx := context.Background()
	if _, err := env.Registry.SetMaintenance(ctx, "gamma", true); err != nil {
		t.Fatal(err)
	}
	// A tenant left in maintenance by a killed run is current: the run
	// takes it out.
	if _, err := env.Pool.Exec(ctx, "UPDATE public.tenants SET maintenance = 'migration' WHERE slug = 'beta'"); err != nil {
		t.Fatal(err)
	}
	probe := `CREATE TABLE seen AS SELECT
		(SELECT maintenance FROM public.tenants WHERE schema_name = current_schema()) AS mine,
		(SELECT string_agg(slug || ':' || maintenance, ',' ORDER BY slug) FROM public.tenants
		 WHERE maintenance IS NOT NULL) AS all_in_maintenance;`
	f := newFleet(t, env.Pool, addNotes(probe))
	migrateOK(t, f, selectSchemas(t, f, fleet.Selector{Schemas: []string{"alpha", "gamma"}}), &fleet.Options{Maintenance: true})
	cases := map[string][2]string{
		"tenant_alpha": {"migration", "alpha:migration,beta:migration,gamma:operator"},
		"tenant_gamma": {"operator", "beta:migration,gamma:operator"},
	}
	for schema, want := range cases {
		var mine, all string
		if err := env.Pool.QueryRow(ctx, "SELECT mine, all_in_maintenance FROM "+schema+".seen").Scan(&mine, &all); err != nil {
			t.Fatal(err)
		}
		if mine != want[0] || all != want[1] {
			t.Errorf("%s migrated seeing itself %q and %q in maintenance, want %q and %q", schema, mine, all, want[0], want[1])
		}
	}
	migrateOK(t, f, selectSchemas(t, f, fleet.Selector{Dynamic: true}), &fleet.Options{Maintenance: true})
	rows, err := env.Pool.Query(ctx, "SELECT slug || ':' || coalesce(maintenance, '-') FROM public.tenants ORDER BY slug")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if want := "alpha:- beta:- gamma:operator"; join(got) != want {
		t.Errorf("after the runs maintenance is %q, want %q", join(got), want)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}
