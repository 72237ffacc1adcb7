package provision

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/internal/pgerr"
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
	// OwnerRole is the role of a first user (Request.Admin) whose Role is
	// empty. Default auth.RoleOwner.
	OwnerRole string
	// StaticSchemas are names no tenant may take, beyond the built-in
	// reserved ones. Default none.
	StaticSchemas []string
	// DisableRoles creates tenants without their own database role; it must
	// match tenantdb.Config.DisableRoles. Default false.
	DisableRoles bool
	// Spares is the size of the spare pool: Refill tops it up to this many
	// current spare schemas, and Create makes a tenant from one when it can.
	// Default 0: no pool; Create always migrates a new schema and Refill
	// does nothing.
	Spares int
	// OnClaim, when set, is called inside the creating transaction each time
	// a tenant is made from a spare, once the tenant is complete: it is
	// where a server enqueues a Refill job in the same transaction (the job
	// then runs only if the tenant is committed). An error it returns fails
	// the create, which then leaves nothing behind. Default none.
	OnClaim func(ctx context.Context, tx pgx.Tx, c Claim) error
	// OnCreate, when set, is called inside the creating transaction for
	// every tenant made, from a spare or not, once its registry rows and
	// first user exist: a server enqueues the tenant's seed job there, so
	// it runs only if the tenant commits. An error rolls the creation
	// back. Default nil.
	OnCreate func(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant) error
	// DeleteLocks is the most locks one step of Delete may take, counted as
	// the objects its DROP ... CASCADE statements delete. Default: half the
	// server's max_locks_per_transaction, read at each Delete: PostgreSQL's
	// shared lock table holds that setting times the number of backends, so
	// a step within its backend's share leaves room for every other
	// backend's, however many deletes run at once.
	DeleteLocks int
	// OnDeleteStep, when set, is called after each committed step of
	// Delete with the number of objects dropped so far and planned, for
	// progress reports. Default none.
	OnDeleteStep func(t *tenantry.Tenant, dropped, planned int)
	// Logger receives one line per tenant created or deleted and per spare
	// made or refused. Default: discard.
	Logger *slog.Logger
}

// Claim describes a tenant made from a spare schema, for Config.OnClaim.
type Claim struct {
	Tenant *tenantry.Tenant // the new tenant, as the transaction sees it
	Spare  string           // the spare's name before it became Tenant.SchemaName
}

// Provisioner creates and deletes tenants and keeps the spare pool. It is
// safe for concurrent use.
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

// Create makes the tenant req describes in a transaction of its own, as
// CreateTx does in the caller's (see there for the spare pool and the
// errors), and returns it. It logs "tenant created", with the attribute
// from_spare, once committed.
func (p *Provisioner) Create(ctx context.Context, req Request) (*tenantry.Tenant, error) {
	if err := p.prepare(&req); err != nil {
		return nil, err
	}
	var t *tenantry.Tenant
	var spare string
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		var err error
		t, spare, err = p.create(ctx, tx, &req)
		return err
	})
	if err != nil {
		return nil, translate(err, &req)
	}
	p.logger.Info("tenant created", "tenant", t.Slug, "schema", t.SchemaName, "domain", req.Domain,
		"from_spare", spare != "", "spare", spare)
	return t, nil
}

// CreateTx makes the tenant req describes inside tx, which the caller
// commits or rolls back: a signup flow creates the tenant together with its
// own rows. The tenant's registry row, role, schema with every tenant
// migration, primary domain, first user and fleet-summary row are all
// written in tx, so a rollback leaves nothing behind.
//
// When Config.Spares is not 0 and the pool holds a current spare, the
// tenant's schema is that spare renamed and granted to the tenant's role,
// indistinguishable from a new one; otherwise a new schema is migrated. A
// claimed spare is locked, so concurrent creates each take another and none
// waits; on rollback it stays a spare. Config.OnClaim runs after a claim.
//
// Errors: a *tenantry.ValidationError for bad input; tenantry.ErrTenantExists
// when the slug or schema is taken; tenantry.ErrDomainTaken when the domain
// belongs to another tenant; a *migrate.Error when a migration fails. After
// an error other than a validation error tx is aborted and must be rolled
// back. CreateTx leaves tx's search_path as it found it. tx should be READ
// COMMITTED, PostgreSQL's default, like every migration transaction.
func (p *Provisioner) CreateTx(ctx context.Context, tx pgx.Tx, req Request) (*tenantry.Tenant, error) {
	if err := p.prepare(&req); err != nil {
		return nil, err
	}
	t, spare, err := p.create(ctx, tx, &req)
	if err != nil {
		return nil, translate(err, &req)
	}
	p.logger.Debug("tenant made in the caller's transaction", "tenant", t.Slug, "schema", t.SchemaName,
		"from_spare", spare != "", "spare", spare)
	return t, nil
}

// prepare validates req and fills in its defaults. The admin is copied
// first: validation normalises it in place, and the caller's Admin must stay
// as given (it may be shared between goroutines).
func (p *Provisioner) prepare(req *Request) error {
	if err := req.normalize(p.cfg.StaticSchemas); err != nil {
		return err
	}
	if req.Admin != nil {
		admin := *req.Admin
		req.Admin = &admin
	}
	return validateAdmin(req.Admin, p.cfg.OwnerRole)
}

// create makes the tenant inside tx and returns it with the name of the
// spare it was made from, "" when its schema was migrated anew.
func (p *Provisioner) create(ctx context.Context, tx pgx.Tx, req *Request) (*tenantry.Tenant, string, error) {
	d := &draft{schema: tenantry.SchemaName(req.Slug)}
	prefix, err := p.rolePrefix(ctx, tx)
	if err != nil {
		return nil, "", err
	}
	var role string
	err = tx.QueryRow(ctx, insertTenantSQL, req.Slug, d.schema, req.Name, req.Locale, req.Timezone, req.Currency, req.Plan,
		prefix).Scan(&d.id, &role, &d.searchPath)
	if err != nil {
		return nil, "", fmt.Errorf("register tenant %s: %w", req.Slug, err)
	}
	if d.spare, d.spareRole, err = p.claim(ctx, tx); err != nil {
		return nil, "", err
	}
	if err := p.makeSchema(ctx, tx, d, role); err != nil {
		return nil, "", err
	}
	details := map[string]any{"domain": req.Domain, "from_spare": d.spare != ""}
	if req.Admin != nil {
		details["owner"] = req.Admin.Username
	}
	created := audit.Event{TenantID: d.id, Action: audit.TenantCreated, Target: req.Slug, Details: details}
	if err := finish(ctx, tx, d, req, created); err != nil {
		return nil, "", err
	}
	// By id: the schema name may also be another tenant's slug.
	t, err := registry.Find(ctx, tx, strconv.FormatInt(d.id, 10))
	if err != nil {
		return nil, "", err
	}
	if p.cfg.OnCreate != nil {
		if err := p.cfg.OnCreate(ctx, tx, t); err != nil {
			return nil, "", fmt.Errorf("after making tenant %s: %w", t.Slug, err)
		}
	}
	if d.spare != "" && p.cfg.OnClaim != nil {
		if err := p.cfg.OnClaim(ctx, tx, Claim{Tenant: t, Spare: d.spare}); err != nil {
			return nil, "", fmt.Errorf("after making tenant %s from spare %s: %w", t.Slug, d.spare, err)
		}
	}
	return t, d.spare, nil
}

// draft is a tenant being made inside a transaction.
type draft struct {
	id         int64
	schema     string // tenant_<slug>
	spare      string // the spare the schema is made from; "" to migrate a new one
	spareRole  string // the role the spare was made with; "" for none
	version    int    // the schema's migration version, once made
	searchPath string // the transaction's search_path before, to restore
}

// makeSchema gives the tenant its schema, from d.spare when there is one,
// and notes its migration version in d.
func (p *Provisioner) makeSchema(ctx context.Context, tx pgx.Tx, d *draft, role string) error {
	if d.spare != "" {
		d.version = p.cfg.TenantMigrations.Latest()
		switch {
		case d.spareRole != "" && role != "":
			return tenantdb.AdoptSchemaAndRole(ctx, tx, d.spare, d.spareRole, d.schema, role)
		case d.spareRole != "": // made with a role, and the role layer is off now
			if err := tenantdb.AdoptSchema(ctx, tx, d.spare, d.schema, ""); err != nil {
				return err
			}
			return tenantdb.DisownSchema(ctx, tx, d.schema, d.spareRole)
		default:
			return tenantdb.AdoptSchema(ctx, tx, d.spare, d.schema, role)
		}
	}
	if err := tenantdb.CreateSchema(ctx, tx, d.schema, role); err != nil {
		return err
	}
	res, err := p.cfg.TenantMigrations.Apply(ctx, tx, d.schema, nil)
	d.version = res.To
	if err != nil {
		return err
	}
	return analyzeSchema(ctx, tx, d.schema)
}

// insertTenantSQL registers a tenant and, in the same statement, records
// its role's name: the prefix $8 (NULL when the role layer is off) and the
// tenant's id, taken from the id column's own sequence first.
const insertTenantSQL = `INSERT INTO public.tenants (id, slug, schema_name, name, locale, timezone, default_currency, plan, role_name)
	OVERRIDING SYSTEM VALUE
	SELECT n.id, $1, $2, $3, $4, $5, $6, $7, $8::text || n.id
	FROM (SELECT nextval(pg_get_serial_sequence('public.tenants', 'id')) AS id) n
	RETURNING id, coalesce(role_name, ''), current_setting('search_path')`

// rolePrefix is the prefix of the database's tenant role names
// (tenantdb.RolePrefix, so that a tenant's role is tenantdb.RoleName), or
// nil when the role layer is off.
func (p *Provisioner) rolePrefix(ctx context.Context, tx pgx.Tx) (*string, error) {
	if p.cfg.DisableRoles {
		return nil, nil
	}
	oid, err := p.databaseOID(ctx, tx)
	if err != nil {
		return nil, err
	}
	prefix := tenantdb.RolePrefix(oid)
	return &prefix, nil
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

func validateAdmin(a *Admin, owner string) error {
	if a == nil {
		return nil
	}
	if a.Role == "" {
		a.Role = cmp.Or(owner, auth.RoleOwner)
	}
	u := auth.NewUser{Username: a.Username, Email: a.Email, Role: a.Role}
	if err := u.Validate(); err != nil {
		return err
	}
	a.Username, a.Email = u.Username, u.Email
	if a.Password == "" && a.PasswordHash == "" {
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
