package provision

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/migrations"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
)

// Config adjusts a Provisioner. A nil *Config means the defaults.
type Config struct {
	// TenantMigrations is the set applied to each new schema. Default
	// migrations.Tenant().
	TenantMigrations *migrate.Set
	// StaticSchemas are names no tenant may take, beyond the built-in
	// reserved ones. Default none.
	StaticSchemas []string
	// DisableRoles creates tenants without their own database role; it must
	// match tenantdb.Config.DisableRoles. Default false.
	DisableRoles bool
	// Logger receives one line per tenant created or deleted. Default: discard.
	Logger *slog.Logger
}

// Provisioner creates and deletes tenants. It is safe for concurrent use.
type Provisioner struct {
	pool   *pgxpool.Pool
	cfg    Config
	dbOID  atomic.Uint32 // the database's oid once read; 0 before
	logger *slog.Logger
}

// New returns a Provisioner working on pool.
func New(pool *pgxpool.Pool, cfg *Config) *Provisioner {
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	if c.TenantMigrations == nil {
		c.TenantMigrations = migrations.Tenant()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Provisioner{pool: pool, cfg: c, logger: c.Logger}
}

// Create makes the tenant req describes, in one transaction, and returns it.
// Errors: a *tenantry.ValidationError for bad input; tenantry.ErrTenantExists
// when the slug or schema is taken; tenantry.ErrDomainTaken when the domain
// belongs to another tenant; auth.ErrUserExists is impossible on a new
// tenant. Nothing is left behind on any error.
func (p *Provisioner) Create(ctx context.Context, req Request) (*tenantry.Tenant, error) {
	if err := req.normalize(p.cfg.StaticSchemas); err != nil {
		return nil, err
	}
	if req.Admin != nil {
		// Validation normalises the admin in place: work on a copy, so the
		// caller's Admin stays as given and may be shared between goroutines.
		admin := *req.Admin
		req.Admin = &admin
	}
	if err := validateAdmin(req.Admin); err != nil {
		return nil, err
	}
	var t *tenantry.Tenant
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		var err error
		t, err = p.create(ctx, tx, &req)
		return err
	})
	if err != nil {
		return nil, translate(err, &req)
	}
	p.logger.Info("tenant created", "tenant", t.Slug, "schema", t.SchemaName, "domain", req.Domain)
	return t, nil
}

func (p *Provisioner) create(ctx context.Context, tx pgx.Tx, req *Request) (*tenantry.Tenant, error) {
	schema := tenantry.SchemaName(req.Slug)
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO public.tenants (slug, schema_name, name, locale, timezone, default_currency, plan)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		req.Slug, schema, req.Name, req.Locale, req.Timezone, req.Currency, req.Plan).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("register tenant %s: %w", req.Slug, err)
	}
	role, err := p.roleFor(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := tenantdb.CreateSchema(ctx, tx, schema, role); err != nil {
		return nil, err
	}
	res, err := p.cfg.TenantMigrations.Apply(ctx, tx, schema, nil)
	if err != nil {
		return nil, err
	}
	if err := finish(ctx, tx, id, schema, req, res.To); err != nil {
		return nil, err
	}
	// By id: the schema name may also be another tenant's slug.
	return registry.Find(ctx, tx, strconv.FormatInt(id, 10))
}

// roleFor names tenant id's role and records it, or returns "" when the
// role layer is off.
func (p *Provisioner) roleFor(ctx context.Context, tx pgx.Tx, id int64) (string, error) {
	if p.cfg.DisableRoles {
		return "", nil
	}
	oid, err := p.databaseOID(ctx, tx)
	if err != nil {
		return "", err
	}
	role := tenantdb.RoleName(oid, id)
	if _, err := tx.Exec(ctx, "UPDATE public.tenants SET role_name = $2 WHERE id = $1", id, role); err != nil {
		return "", fmt.Errorf("record role of tenant %d: %w", id, err)
	}
	return role, nil
}

// databaseOID returns the oid of the pool's database, read through tx the
// first time: a second connection taken from the pool while tx holds one
// would deadlock once concurrent creates hold every connection.
func (p *Provisioner) databaseOID(ctx context.Context, tx pgx.Tx) (uint32, error) {
	if oid := p.dbOID.Load(); oid != 0 {
		return oid, nil
	}
	oid, err := tenantdb.DatabaseOID(ctx, tx)
	if err != nil {
		return 0, err
	}
	p.dbOID.Store(oid)
	return oid, nil
}

// finish adds the primary domain, the fleet-summary row and the first user.
func finish(ctx context.Context, tx pgx.Tx, id int64, schema string, req *Request, version int) error {
	if _, err := tx.Exec(ctx, "INSERT INTO public.domains (domain, tenant_id, is_primary) VALUES ($1, $2, true)",
		req.Domain, id); err != nil {
		return fmt.Errorf("add domain %s: %w", req.Domain, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO public.tenantry_schema_state (schema_name, kind, version) VALUES ($1, 'dynamic', $2)
		ON CONFLICT (schema_name) DO UPDATE SET kind = 'dynamic', version = $2, last_error = NULL, error_version = NULL, updated_at = now()`,
		schema, version); err != nil {
		return fmt.Errorf("record schema state of %s: %w", schema, err)
	}
	if req.Admin == nil {
		return nil
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", sqlquote.Ident(schema)); err != nil {
		return fmt.Errorf("enter schema %s: %w", schema, err)
	}
	_, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: req.Admin.Username, Email: req.Admin.Email,
		Password: req.Admin.Password, Role: req.Admin.Role})
	return err
}

func validateAdmin(a *Admin) error {
	if a == nil {
		return nil
	}
	if a.Role == "" {
		a.Role = auth.RoleOwner
	}
	u := auth.NewUser{Username: a.Username, Email: a.Email, Role: a.Role}
	if err := u.Validate(); err != nil {
		return err
	}
	a.Username, a.Email = u.Username, u.Email
	if a.Password == "" {
		return invalid("admin password", "", "is required with an admin user")
	}
	return nil
}

// translate turns the database's words for a conflict into the library's.
func translate(err error, req *Request) error {
	code := pgerr.Code(err)
	switch {
	case code == pgerr.UniqueViolation && pgerr.Table(err) == "domains":
		return fmt.Errorf("domain %s: %w", req.Domain, tenantry.ErrDomainTaken)
	case code == pgerr.UniqueViolation, code == pgerr.DuplicateSchema, code == pgerr.DuplicateObject:
		return fmt.Errorf("tenant %s (schema %s): %w", req.Slug, tenantry.SchemaName(req.Slug), tenantry.ErrTenantExists)
	}
	return err
}
