package fleet

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Kind is what a schema is for.
type Kind string

// The kinds of schema, in the order Migrate visits them.
const (
	KindPublic  Kind = "public"  // shared tables: the registry, jobs, the fleet summary
	KindStatic  Kind = "static"  // configured schemas such as main, migrated like tenants
	KindDynamic Kind = "dynamic" // one per tenant: tenant_<slug>
	KindSpare   Kind = "spare"   // pre-migrated, waiting to become a tenant
)

// Schema is one schema of the fleet.
type Schema struct {
	Name    string   `json:"schema"`
	Kind    Kind     `json:"kind"`
	Slug    string   `json:"slug,omitempty"`
	Domains []string `json:"domains,omitempty"`
}

// schemas lists every schema of the fleet: public, the static schemas, the
// tenants' schemas and the spares, in that order. The schemas of tenants
// being deleted are not part of it: migrating them would be wasted work,
// and exec would find them half dropped.
func (f *Fleet) schemas(ctx context.Context) ([]Schema, error) {
	out := []Schema{{Name: "public", Kind: KindPublic}}
	for _, s := range f.cfg.StaticSchemas {
		out = append(out, Schema{Name: s, Kind: KindStatic})
	}
	var migrated bool
	if err := f.pool.QueryRow(ctx, "SELECT to_regclass('public.tenantry_schema_state') IS NOT NULL").Scan(&migrated); err != nil {
		return nil, fmt.Errorf("inspect schema public: %w", err)
	}
	if !migrated { // a new database: public's migrations will make the registry
		return out, nil
	}
	rows, _ := f.pool.Query(ctx, `SELECT t.schema_name, t.slug,
		coalesce((SELECT array_agg(d.domain ORDER BY d.is_primary DESC, d.domain) FROM public.domains d WHERE d.tenant_id = t.id), '{}')
		FROM public.tenants t WHERE t.status <> 'deleting' ORDER BY t.schema_name`)
	tenants, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Schema, error) {
		s := Schema{Kind: KindDynamic}
		return s, r.Scan(&s.Name, &s.Slug, &s.Domains)
	})
	if err != nil {
		return nil, fmt.Errorf("list tenant schemas: %w", err)
	}
	spares, err := f.spares(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Concat(out, tenants, spares), nil
}

func (f *Fleet) spares(ctx context.Context) ([]Schema, error) {
	rows, _ := f.pool.Query(ctx, `SELECT s.schema_name FROM public.tenantry_schema_state s
		JOIN pg_namespace n ON n.nspname = s.schema_name
		WHERE s.kind = 'spare' ORDER BY s.schema_name`)
	spares, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Schema, error) {
		s := Schema{Kind: KindSpare}
		return s, r.Scan(&s.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("list spare schemas: %w", err)
	}
	return spares, nil
}
