package fleet_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/fleet"
)

func TestExecRunsSQLInEachSchemaAndReturnsItsRows(t *testing.T) {
	env := setup(t, "alpha", "beta", "gamma")
	f := newFleet(t, env.Pool)
	schemas := selectSchemas(t, f, fleet.Selector{Dynamic: true})
	report, err := f.Exec(context.Background(), schemas, `INSERT INTO items (name) VALUES ('from exec');
		SELECT current_schema() AS schema, name, NULL AS nothing FROM items ORDER BY id;
		SELECT generate_series(1, 1500)`, &fleet.Options{Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() || report.Changed != 3 {
		t.Fatalf("report changed %d failures %+v, want 3 and none", report.Changed, report.Failures())
	}
	for _, res := range report.Results {
		if len(res.Output) != 3 {
			t.Fatalf("%s: output %+v, want three statements' results", res.Schema, res.Output)
		}
		insert, sel, long := res.Output[0], res.Output[1], res.Output[2]
		if insert.Command != "INSERT 0 1" {
			t.Errorf("%s: first command %q, want INSERT 0 1", res.Schema, insert.Command)
		}
		if !slices.Equal(sel.Columns, []string{"schema", "name", "nothing"}) || len(sel.Rows) != 1 ||
			!slices.Equal(sel.Rows[0], []string{res.Schema, "from exec", "NULL"}) {
			t.Errorf("%s: select gave %+v, want its own schema's one row", res.Schema, sel)
		}
		if len(long.Rows) != 1000 || !long.Truncated || long.Command != "SELECT 1500" {
			t.Errorf("%s: 1,500 rows kept as %d rows, truncated %v, command %q; want 1,000, true, SELECT 1500",
				res.Schema, len(long.Rows), long.Truncated, long.Command)
		}
	}
	for _, s := range names(schemas) {
		if n := countItems(t, env.Pool, s); n != 1 {
			t.Errorf("%s has %d items after exec, want 1: exec commits", s, n)
		}
	}
}

func TestExecReportsAFailingSchemaAndGoesOn(t *testing.T) {
	env := setup(t, "alpha", "beta", "gamma")
	f := newFleet(t, env.Pool)
	schemas := selectSchemas(t, f, fleet.Selector{Dynamic: true})
	// One worker: gamma runs after beta has failed.
	report, err := f.Exec(context.Background(), schemas, `INSERT INTO items (name) VALUES ('from exec');
		DO $$ BEGIN
			IF current_schema() = 'tenant_beta' THEN RAISE EXCEPTION 'not in beta'; END IF;
		END $$;`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if report.OK() || report.Failed != 1 || report.Changed != 2 {
		t.Fatalf("report failed %d changed %d, want 1 and 2", report.Failed, report.Changed)
	}
	failed := report.Failures()[0]
	if failed.Schema != "tenant_beta" || !strings.Contains(failed.Error, "tenant_beta") ||
		!strings.Contains(failed.Error, "not in beta") || failed.Output != nil {
		t.Errorf("failure = %+v, want tenant_beta with the cause and no output", failed)
	}
	for schema, want := range map[string]int{"tenant_alpha": 1, "tenant_beta": 0, "tenant_gamma": 1} {
		if n := countItems(t, env.Pool, schema); n != want {
			t.Errorf("%s has %d items, want %d", schema, n, want)
		}
	}
}

func TestExecDryRunRunsNothing(t *testing.T) {
	env := setup(t, "alpha")
	f := newFleet(t, env.Pool)
	schemas := selectSchemas(t, f, fleet.Selector{Dynamic: true})
	report, err := f.Exec(context.Background(), schemas, "INSERT INTO items (name) VALUES ('from exec')",
		&fleet.Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() || report.Total != 1 || !report.Results[0].Skipped {
		t.Errorf("dry run report = %+v, want alpha listed and skipped", report)
	}
	if n := countItems(t, env.Pool, "tenant_alpha"); n != 0 {
		t.Errorf("a dry run inserted %d items", n)
	}
}

func TestExecInPublicSeesOnlyPublic(t *testing.T) {
	env := setup(t, "alpha")
	f := newFleet(t, env.Pool)
	report, err := f.Exec(context.Background(), selectSchemas(t, f, fleet.Selector{Schemas: []string{"public", "alpha"}}),
		"SELECT current_setting('search_path')", nil)
	if err != nil || !report.OK() {
		t.Fatalf("%v %+v", err, report)
	}
	for schema, want := range map[string]string{"public": `"public"`, "tenant_alpha": `"tenant_alpha", public`} {
		if got := resultOf(t, report, schema).Output[0].Rows[0][0]; got != want {
			t.Errorf("search_path in %s = %s, want %s", schema, got, want)
		}
	}
}

func TestExecRefusesASchemaThatDoesNotExist(t *testing.T) {
	env := setup(t)
	f := newFleet(t, env.Pool)
	// main is configured but not migrated yet: its search_path would fall
	// through to public, whose ledger this would read.
	report, err := f.Exec(context.Background(), selectSchemas(t, f, fleet.Selector{Static: true}),
		"SELECT count(*) FROM tenantry_migrations", nil)
	if err != nil {
		t.Fatal(err)
	}
	if report.Failed != 1 || !strings.Contains(report.Results[0].Error, "no such schema") {
		t.Errorf("exec in a missing schema = %+v, want it refused", report.Results)
	}
}
