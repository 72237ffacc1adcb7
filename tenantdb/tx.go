package tenantdb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/internal/sqlquote"
)

// Config adjusts a DB. A nil *Config means the defaults.
type Config struct {
	// DisableRoles turns off the per-tenant role layer: transactions then
	// bind only search_path and tenantry.tenant_id. Default false (roles on).
	// Turn it off only where SET ROLE to a NOLOGIN role cannot work, such as
	// Citus, whose worker connections log in as the current role.
	DisableRoles bool
	// Limiter, when set, admits each tenant transaction (InTenant,
	// Pipeline) before it takes a connection from the pool, and gives its
	// statement timeout. Default nil: no limits.
	Limiter Limiter
	// TenantStatements is how many of the tenants active most recently
	// have their statements prepared apart from other tenants' on each
	// connection, so that PostgreSQL keeps their plans rather than planning
	// again whenever a connection passes from one tenant to another (see
	// statements.go). Each such tenant holds up to one prepared statement
	// per query text on each connection it has used, within pgx's statement
	// cache (statement_cache_capacity in the connection URL, default 512):
	// keep TenantStatements times the query texts a tenant uses within it.
	// Default DefaultTenantStatements; a negative value turns it off.
	TenantStatements int
}

// Limiter bounds one tenant's use of the database (limits.Gate is one).
type Limiter interface {
	// Admit waits, as long as it sees fit, until t may open one more
	// transaction. It returns the function that ends the transaction's
	// admission, called once the transaction is over and its connection
	// back in the pool, and the transaction's statement_timeout (zero:
	// the server's). An error refuses the transaction; InTenant and
	// Pipeline return it wrapped.
	Admit(ctx context.Context, t *tenantry.Tenant) (done func(), timeout time.Duration, err error)
}

// DB opens tenant-bound transactions on a pool. It is safe for concurrent
// use.
type DB struct {
	pool    *pgxpool.Pool
	roles   bool
	limiter Limiter
	recent  *recentTenants // nil when Config.TenantStatements is negative
	// prepareCap is the capacity of the connections' statement (or
	// description) cache when they prepare a batch's new statements before
	// sending it, else 0 (see prepared.go).
	prepareCap int
}

// New returns a DB over pool.
func New(pool *pgxpool.Pool, cfg *Config) *DB {
	if cfg == nil {
		cfg = &Config{}
	}
	n := cfg.TenantStatements
	if n == 0 {
		n = DefaultTenantStatements
	}
	db := &DB{pool: pool, roles: !cfg.DisableRoles, limiter: cfg.Limiter, recent: newRecentTenants(n)}
	cc := pool.Config().ConnConfig
	switch cc.DefaultQueryExecMode {
	case pgx.QueryExecModeCacheStatement:
		db.prepareCap = cc.StatementCacheCapacity
	case pgx.QueryExecModeCacheDescribe:
		db.prepareCap = cc.DescriptionCacheCapacity
	}
	return db
}

// RolesEnabled reports whether transactions enter the tenant's own role.
func (db *DB) RolesEnabled() bool { return db.roles }

// Tx is a transaction bound to one tenant. Unqualified names resolve to the
// tenant's schema first, then public. Use it only inside the callback that
// received it. Its Exec, Query, QueryRow and SendBatch prepare the tenant's
// statements apart from other tenants' when Config.TenantStatements says so;
// those of the embedded pgx.Tx, and of savepoints, share them.
type Tx struct {
	pgx.Tx
	Tenant *tenantry.Tenant
	tag    string // prefix of the tenant's statement texts; "" for shared ones
}

// rollbackTimeout bounds the rollback issued after a failure, which runs even
// when the caller's context is already cancelled.
const rollbackTimeout = 5 * time.Second

// InTenant runs fn in a transaction bound to t and commits when fn returns
// nil. When fn returns an error or panics, or ctx ends, the transaction is
// rolled back and the error (or panic) passed on. Savepoints taken with
// tx.Begin keep the binding: it is set before any of them.
//
// The transaction first enters the tenant (public.tenantry_enter_tenant):
// it holds the tenant's advisory lock shared, and fails with an error
// wrapping tenantry.ErrTenantNotFound, before fn runs, when the tenant is
// being deleted or no longer exists, whatever t says. A delete waits for
// the tenant's transactions in progress before it drops anything.
//
// With a Limiter, the transaction is first admitted by it (its refusal is
// returned, wrapped, before a connection is taken), and begins by setting
// its statement_timeout, transaction-locally, in the same round trip as the
// binding.
func (db *DB) InTenant(ctx context.Context, t *tenantry.Tenant, fn func(tx *Tx) error) error {
	done, timeout, err := db.admit(ctx, t)
	if err != nil {
		return err
	}
	defer done()
	return db.inTenant(ctx, db.pool, t, timeout, db.statementTag(t), fn)
}

// admit passes t's transaction through the Limiter, if any.
func (db *DB) admit(ctx context.Context, t *tenantry.Tenant) (func(), time.Duration, error) {
	if db.limiter == nil {
		return func() {}, 0, nil
	}
	done, timeout, err := db.limiter.Admit(ctx, t)
	if err != nil {
		return nil, 0, fmt.Errorf("transaction for tenant %s: %w", t.Slug, err)
	}
	return done, timeout, nil
}

// beginner is a pool or one of its connections.
type beginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

func (db *DB) inTenant(ctx context.Context, on beginner, t *tenantry.Tenant, timeout time.Duration, tag string, fn func(tx *Tx) error) (err error) {
	begin, err := db.bindSQL(t, timeout)
	if err != nil {
		return err
	}
	ptx, err := on.BeginTx(ctx, pgx.TxOptions{BeginQuery: begin})
	if err != nil {
		return fmt.Errorf("begin transaction for tenant %s: %w", t.Slug, gone(t, err))
	}
	defer func() {
		if p := recover(); p != nil {
			rollback(ctx, ptx)
			panic(p)
		}
		if err != nil {
			rollback(ctx, ptx)
		}
	}()
	if err := fn(&Tx{Tx: ptx, Tenant: t, tag: tag}); err != nil {
		return err
	}
	if err := ptx.Commit(ctx); err != nil {
		return fmt.Errorf("commit transaction for tenant %s: %w", t.Slug, err)
	}
	return nil
}

// InContext is InTenant for the tenant carried by ctx; it returns
// tenantry.ErrNoTenant when there is none.
func (db *DB) InContext(ctx context.Context, fn func(tx *Tx) error) error {
	t, err := tenantry.Require(ctx)
	if err != nil {
		return err
	}
	return db.InTenant(ctx, t, fn)
}

func rollback(ctx context.Context, tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	// A failed rollback closes the connection, so nothing of the binding can
	// survive it either way; there is nothing more to do with its error.
	_ = tx.Rollback(ctx)
}

// ErrNoRole is returned for a tenant without a database role while the role
// layer is on.
var ErrNoRole = errors.New("tenant has no database role")

// bindSQL is the statement list that opens a tenant transaction: BEGIN,
// entering the tenant and the transaction-local settings, sent as one
// simple-protocol message, so binding costs no round trip of its own. The schema and role names were
// validated when the tenant was created and are quoted here regardless. A
// positive timeout is the transaction's statement_timeout, which applies
// from the next statement on.
func (db *DB) bindSQL(t *tenantry.Tenant, timeout time.Duration) (string, error) {
	if err := tenantry.ValidateSchemaName(t.SchemaName); err != nil {
		return "", fmt.Errorf("tenant %s: %w", t.Slug, err)
	}
	var b strings.Builder
	b.WriteString("BEGIN; SELECT public.tenantry_enter_tenant(")
	b.WriteString(strconv.FormatInt(t.ID, 10))
	b.WriteString("), set_config('search_path', ")
	b.WriteString(sqlquote.Literal(sqlquote.Ident(t.SchemaName) + ", public"))
	b.WriteString(", true), set_config('tenantry.tenant_id', ")
	b.WriteString(sqlquote.Literal(strconv.FormatInt(t.ID, 10)))
	b.WriteString(", true)")
	if ms := timeoutMS(timeout); ms != "" {
		b.WriteString(", set_config('statement_timeout', ")
		b.WriteString(sqlquote.Literal(ms))
		b.WriteString(", true)")
	}
	if db.roles {
		if t.RoleName == "" {
			return "", fmt.Errorf("tenant %s: %w", t.Slug, ErrNoRole)
		}
		b.WriteString(", set_config('role', ")
		b.WriteString(sqlquote.Literal(t.RoleName))
		b.WriteString(", true)")
	}
	return b.String(), nil
}

// timeoutMS is timeout as statement_timeout's milliseconds, at least 1,
// or "" for none.
func timeoutMS(timeout time.Duration) string {
	if timeout <= 0 {
		return ""
	}
	return strconv.FormatInt(max(1, timeout.Milliseconds()), 10)
}

// gone translates the refusal of public.tenantry_enter_tenant into
// tenantry.ErrTenantNotFound; other errors pass unchanged.
func gone(t *tenantry.Tenant, err error) error {
	if pgerr.Code(err) == pgerr.TenantGone {
		return fmt.Errorf("tenant %s is being deleted or no longer exists: %w", t.Slug, tenantry.ErrTenantNotFound)
	}
	return err
}
