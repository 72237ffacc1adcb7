package fleet_test

import (
	"context"
	"testing"

	"github.com/tenantry/tenantry/fleet"
)

func TestMigrateCorrectsAStaleSummaryOfACurrentSchema(t *testing.T) {
	env := setup(t, "alpha", "beta")
	ctx := context.Background()
	// alpha's summary row is gone, beta's says it failed: both ledgers are
	// current, so the run applies nothing and records them as they are.
	if _, err := env.Pool.Exec(ctx, `DELETE FROM public.tenantry_schema_state WHERE schema_name = 'tenant_alpha';
		UPDATE public.tenantry_schema_state SET version = 1, last_error = 'stale', error_version = 2
		WHERE schema_name = 'tenant_beta'`); err != nil {
		t.Fatal(err)
	}
	f := newFleet(t, env.Pool)
	report := migrateOK(t, f, selectSchemas(t, f, fleet.Selector{Dynamic: true}), nil)
	level := latest()
	for _, s := range []string{"tenant_alpha", "tenant_beta"} {
		if res := resultOf(t, report, s); res.Skipped || len(res.Applied) != 0 || res.To != level {
			t.Errorf("result of %s = %+v, want looked at, nothing applied, at %d", s, res, level)
		}
		if st := states(t, env.Pool)[s]; st.Kind != "dynamic" || st.Version != level || st.LastError != nil || st.ErrorVersion != nil {
			t.Errorf("fleet summary of %s = %+v, want dynamic at %d with no error", s, st, level)
		}
	}
}
