package fleet_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/fleet"
)

func TestSelectChoosesSchemasAsTheSelectorsSay(t *testing.T) {
	env := setup(t, "alpha", "beta")
	ctx := context.Background()
	// A spare schema, and a fleet-summary row of a spare whose schema is gone.
	if _, err := env.Pool.Exec(ctx, `CREATE SCHEMA _tenantry_spare_1;
		INSERT INTO public.tenantry_schema_state (schema_name, kind, version)
		VALUES ('_tenantry_spare_1', 'spare', 2), ('_tenantry_spare_9', 'spare', 2)`); err != nil {
		t.Fatal(err)
	}
	f := newFleet(t, env.Pool)
	const (
		public = "public"
		alpha  = "tenant_alpha"
		beta   = "tenant_beta"
		spare  = "_tenantry_spare_1"
	)
	for _, tc := range []struct {
		name string
		sel  fleet.Selector
		want []string
	}{
		{"-s schema name", fleet.Selector{Schemas: []string{"tenant_alpha"}}, []string{alpha}},
		{"-s slug", fleet.Selector{Schemas: []string{"alpha"}}, []string{alpha}},
		{"-s domain", fleet.Selector{Schemas: []string{"alpha.test"}}, []string{alpha}},
		{"-s domain in capitals with a trailing dot", fleet.Selector{Schemas: []string{"ALPHA.Test."}}, []string{alpha}},
		{"-s static schema", fleet.Selector{Schemas: []string{"main"}}, []string{static}},
		{"-s public", fleet.Selector{Schemas: []string{"public"}}, []string{public}},
		{"-s spare", fleet.Selector{Schemas: []string{spare}}, []string{spare}},
		{"-s one schema three ways", fleet.Selector{Schemas: []string{"alpha", "tenant_alpha", "alpha.test"}}, []string{alpha}},
		{"-s in migration order", fleet.Selector{Schemas: []string{"beta", "alpha", "main", "public"}}, []string{public, static, alpha, beta}},
		{"--all-schemas", fleet.Selector{All: true}, []string{public, static, alpha, beta, spare}},
		{"--static-schemas", fleet.Selector{Static: true}, []string{static}},
		{"--dynamic-schemas", fleet.Selector{Dynamic: true}, []string{alpha, beta}},
		{"--tenant-schemas", fleet.Selector{Tenant: true}, []string{static, alpha, beta}},
		{"--static-schemas --dynamic-schemas", fleet.Selector{Static: true, Dynamic: true}, []string{static, alpha, beta}},
		{"--dynamic-schemas -s public", fleet.Selector{Dynamic: true, Schemas: []string{"public"}}, []string{public, alpha, beta}},
		{"--static-schemas -s beta", fleet.Selector{Static: true, Schemas: []string{"beta"}}, []string{static, beta}},
		{"--all-schemas -x public -x domain", fleet.Selector{All: true, Exclude: []string{"public", "beta.test"}}, []string{static, alpha, spare}},
		{"--tenant-schemas -x main", fleet.Selector{Tenant: true, Exclude: []string{"main"}}, []string{alpha, beta}},
		{"--dynamic-schemas -x every tenant", fleet.Selector{Dynamic: true, Exclude: []string{"alpha", "tenant_beta"}}, []string{}},
		{"-s and -x the same schema", fleet.Selector{Schemas: []string{"alpha"}, Exclude: []string{"alpha.test"}}, []string{}},
		{"-x alone", fleet.Selector{Exclude: []string{"alpha"}}, []string{}},
		{"empty selector", fleet.Selector{}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.Select(ctx, tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(got), tc.want) {
				t.Errorf("Select(%+v) = %v, want %v", tc.sel, names(got), tc.want)
			}
		})
	}
}

func TestSelectDescribesEachSchema(t *testing.T) {
	env := setup(t, "alpha")
	got := selectSchemas(t, newFleet(t, env.Pool), fleet.Selector{All: true})
	want := []fleet.Schema{
		{Name: "public", Kind: fleet.KindPublic},
		{Name: static, Kind: fleet.KindStatic},
		{Name: "tenant_alpha", Kind: fleet.KindDynamic, Slug: "alpha", Domains: []string{"alpha.test"}},
	}
	if len(got) != len(want) {
		t.Fatalf("Select = %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.Kind != w.Kind || g.Slug != w.Slug || !slices.Equal(g.Domains, w.Domains) {
			t.Errorf("schema %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestEmptySelectorIsEmpty(t *testing.T) {
	for _, tc := range []struct {
		sel   fleet.Selector
		empty bool
	}{
		{fleet.Selector{}, true},
		{fleet.Selector{Exclude: []string{"alpha"}}, true},
		{fleet.Selector{Schemas: []string{"alpha"}}, false},
		{fleet.Selector{All: true}, false},
		{fleet.Selector{Static: true}, false},
		{fleet.Selector{Dynamic: true}, false},
		{fleet.Selector{Tenant: true}, false},
	} {
		if got := tc.sel.IsEmpty(); got != tc.empty {
			t.Errorf("%+v.IsEmpty() = %v, want %v", tc.sel, got, tc.empty)
		}
	}
}

func TestSelectRefusesAnUnknownName(t *testing.T) {
	env := setup(t, "alpha")
	f := newFleet(t, env.Pool)
	for _, tc := range []struct {
		name string
		sel  fleet.Selector
	}{
		{"-s", fleet.Selector{Schemas: []string{"alpha", "nosuch"}}},
		{"-x", fleet.Selector{All: true, Exclude: []string{"nosuch"}}},
		{"-s the schema of a slug", fleet.Selector{Schemas: []string{"tenant_nosuch"}}},
		{"-s a domain of no tenant", fleet.Selector{Schemas: []string{"nosuch.test"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.Select(context.Background(), tc.sel)
			if !errors.Is(err, fleet.ErrUnknownSchema) || !strings.Contains(err.Error(), "nosuch") {
				t.Errorf("Select(%+v) = %v, %v; want ErrUnknownSchema naming the name", tc.sel, names(got), err)
			}
		})
	}
}
