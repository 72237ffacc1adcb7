package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
)

// selectTenant reads tenants with their verified domains, primary first.
const selectTenant = `SELECT t.id, t.slug, t.schema_name, coalesce(t.role_name, ''), t.name, t.status,
	t.locale, t.timezone, t.default_currency, t.features, t.plan, t.created_at, t.updated_at,
	coalesce((SELECT array_agg(d.domain ORDER BY d.is_primary DESC, d.domain)
	          FROM public.domains d WHERE d.tenant_id = t.id AND d.status = 'verified'), '{}'),
	t.maintenance IS NOT NULL, t.purge_after
FROM public.tenants t `

// Querier is a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func scanTenant(row pgx.CollectableRow) (*tenantry.Tenant, error) {
	var t tenantry.Tenant
	err := row.Scan(&t.ID, &t.Slug, &t.SchemaName, &t.RoleName, &t.Name, &t.Status,
		&t.Locale, &t.Timezone, &t.DefaultCurrency, &t.Features, &t.Plan, &t.CreatedAt, &t.UpdatedAt,
		&t.Domains, &t.Maintenance, &t.PurgeAfter)
	return &t, err
}

func queryOne(ctx context.Context, q Querier, where string, args ...any) (*tenantry.Tenant, error) {
	rows, err := q.Query(ctx, selectTenant+where, args...)
	if err != nil {
		return nil, err
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanTenant)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tenantry.ErrTenantNotFound
	}
	return t, err
}

// byHost finds the tenant that owns a normalised domain, once verified:
// a pending domain routes nowhere.
func byHost(ctx context.Context, q Querier, host string) (*tenantry.Tenant, error) {
	return queryOne(ctx, q, "JOIN public.domains d ON d.tenant_id = t.id WHERE d.domain = $1 AND d.status = 'verified'", host)
}

// Find returns the tenant named by ref: its slug, its schema name, one of
// its domains, or its numeric id. A slug may equal another tenant's schema
// name (the slug tenant_x and the schema of the slug x): the slug wins. q may
// be a transaction, so that a caller can find and change a tenant
// atomically. The error wraps tenantry.ErrTenantNotFound when nothing
// matches.
func Find(ctx context.Context, q Querier, ref string) (*tenantry.Tenant, error) {
	ref = strings.TrimSpace(ref)
	t, err := queryOne(ctx, q, `WHERE t.slug = $1 OR t.schema_name = $1 OR t.id::text = $1
		OR t.id = (SELECT tenant_id FROM public.domains WHERE domain = lower(rtrim($1, '.')))
		ORDER BY t.slug = $1 DESC LIMIT 1`, ref)
	if err != nil {
		return nil, fmt.Errorf("find tenant %q: %w", ref, err)
	}
	return t, nil
}

// List returns every tenant, ordered by slug.
func List(ctx context.Context, q Querier) ([]*tenantry.Tenant, error) {
	rows, err := q.Query(ctx, selectTenant+"ORDER BY t.slug")
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	ts, err := pgx.CollectRows(rows, scanTenant)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return ts, nil
}
