package provision

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
)

// FillFunc fills the empty schema of a tenant being restored (RestoreTx),
// inside its transaction, and returns the schema's migration level once
// filled (migrate.Version): objects it creates get the tenant role's
// privileges as a migration's would.
type FillFunc func(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant) (level int, err error)

// RestoreTx makes the tenant req describes inside tx, as CreateTx does, but
// with an empty schema that fill fills (from an export archive) instead of
// the tenant migrations: a registry row with a fresh id, the tenant's own
// NOLOGIN role and grants, the schema, the primary domain, the
// fleet-summary row at the level fill returns, and tenant.created in the
// audit log with details. req.Admin is ignored: the users come with the
// data. Neither a spare nor Config.OnCreate nor Config.OnClaim is used: the
// tenant's data is already there and must not be seeded again. fill sees
// the tenant with its role and domain; tx's search_path is restored after
// it. Errors are CreateTx's; after one other than a validation error tx
// must be rolled back.
func (p *Provisioner) RestoreTx(ctx context.Context, tx pgx.Tx, req Request, details map[string]any, fill FillFunc) (*tenantry.Tenant, error) {
	req.Admin = nil
	if err := p.prepare(&req); err != nil {
		return nil, err
	}
	t, err := p.restore(ctx, tx, &req, details, fill)
	if err != nil {
		return nil, translate(err, &req)
	}
	p.logger.Info("tenant restored", "tenant", t.Slug, "schema", t.SchemaName, "domain", req.Domain)
	return t, nil
}

func (p *Provisioner) restore(ctx context.Context, tx pgx.Tx, req *Request, details map[string]any, fill FillFunc) (*tenantry.Tenant, error) {
	d := &draft{schema: tenantry.SchemaName(req.Slug)}
	prefix, err := p.rolePrefix(ctx, tx)
	if err != nil {
		return nil, err
	}
	var role string
	err = tx.QueryRow(ctx, insertTenantSQL, req.Slug, d.schema, req.Name, req.Locale, req.Timezone, req.Currency, req.Plan,
		prefix).Scan(&d.id, &role, &d.searchPath)
	if err != nil {
		return nil, fmt.Errorf("register tenant %s: %w", req.Slug, err)
	}
	if err := tenantdb.CreateSchema(ctx, tx, d.schema, role); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO public.domains (domain, tenant_id, is_primary) VALUES ($1, $2, true)",
		req.Domain, d.id); err != nil {
		return nil, fmt.Errorf("add domain %s: %w", req.Domain, err)
	}
	t, err := registry.Find(ctx, tx, strconv.FormatInt(d.id, 10))
	if err != nil {
		return nil, err
	}
	if d.version, err = fill(ctx, tx, t); err != nil {
		return nil, err
	}
	if err := p.finishRestore(ctx, tx, d); err != nil {
		return nil, err
	}
	if details == nil {
		details = map[string]any{}
	}
	details["domain"], details["restored"] = req.Domain, true
	if err := audit.Record(ctx, tx, audit.Event{TenantID: t.ID, Action: audit.TenantCreated, Target: t.Slug, Details: details}); err != nil {
		return nil, err
	}
	return registry.Find(ctx, tx, strconv.FormatInt(d.id, 10))
}

// finishRestore records the restored schema's level in the fleet summary
// and sets tx's search_path back.
func (p *Provisioner) finishRestore(ctx context.Context, tx pgx.Tx, d *draft) error {
	var b batch
	b.queue("record schema state of "+d.schema, `INSERT INTO public.tenantry_schema_state (schema_name, kind, version)
		VALUES ($1, 'dynamic', $2) ON CONFLICT (schema_name) DO UPDATE
		SET kind = 'dynamic', version = $2, last_error = NULL, error_version = NULL, updated_at = now()`,
		d.schema, d.version)
	b.queue("restore search_path", "SELECT set_config('search_path', $1, true)", d.searchPath)
	return b.send(ctx, tx)
}
