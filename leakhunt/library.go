package leakhunt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry/tenantdb"
)

// SQLSTATEs the library actions provoke.
const (
	checkViolation = "23514"
	divisionByZero = "22012"
)

// bindingSQL reads what a connection is bound to: the schemas of its
// search_path it may use, its current role and the tenant id setting.
const bindingSQL = `SELECT current_schemas(false)::text[], current_user::text,
	coalesce(current_setting('tenantry.tenant_id', true), '')`

// binding is what bindingSQL reads.
type binding struct {
	schemas  []string
	user     string
	tenantID string
}

func (b binding) String() string {
	return fmt.Sprintf("schemas %v, role %s, tenant id %q", b.schemas, b.user, b.tenantID)
}

func (b binding) equal(o binding) bool {
	return slices.Equal(b.schemas, o.schemas) && b.user == o.user && b.tenantID == o.tenantID
}

// wantBinding is what a transaction of t must be bound to.
func (h *hunt) wantBinding(t *tenant) binding {
	user := h.loginRole
	if !h.cfg.DisableRoles {
		user = t.RoleName
	}
	return binding{schemas: []string{t.SchemaName, "public"}, user: user, tenantID: strconv.FormatInt(t.ID, 10)}
}

// querier is a tenant transaction or a savepoint in one.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// checkTx checks, inside a transaction of t, that it is bound to t and that
// the newest of the items it reads are t's, none of them titled gone (a row
// whose insert was rolled back).
func (c *client) checkTx(ctx context.Context, name string, q querier, t *tenant, gone string) error {
	var b binding
	if err := q.QueryRow(ctx, bindingSQL).Scan(&b.schemas, &b.user, &b.tenantID); err != nil {
		return fmt.Errorf("read binding: %w", err)
	}
	if want := c.h.wantBinding(t); !b.equal(want) {
		c.leak(name, t, "transaction bound to %s, want %s", b, want)
	}
	rows, _ := q.Query(ctx, "SELECT id, name FROM items ORDER BY id DESC LIMIT 200")
	var id int64
	var title string
	_, err := pgx.ForEachRow(rows, []any{&id, &title}, func() error {
		c.checkRow(name, t, id, title, gone)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read items: %w", err)
	}
	return nil
}

// checkRow checks one item read in a transaction of t.
func (c *client) checkRow(name string, t *tenant, id int64, title, gone string) {
	switch {
	case !t.inBlock(id) || !strings.Contains(title, t.marker):
		c.leak(name, t, "read item %d %q, not the tenant's", id, title)
	case gone != "" && title == gone:
		c.leak(name, t, "item %d %q survived the rollback of its insert", id, title)
	}
}

// done records a library operation that started at start and ended with
// err: "ok", or an error of the library.
func (c *client) done(name, outcome string, start time.Time, err error) {
	if err != nil {
		c.st.operation(name, "error", time.Since(start))
		c.st.fail(name, ErrorLibrary, "%v", err)
		return
	}
	c.st.operation(name, outcome, time.Since(start))
}

// sqlState is err's SQLSTATE, or "".
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// libSavepoint inserts a row in a savepoint and moves the search_path away
// inside it, as buggy code might, then rolls the savepoint back: the
// binding is t's again and the row is gone (DT#1262's trap).
func (c *client) libSavepoint(ctx context.Context) {
	const name = "lib_savepoint"
	t, start := c.tenant(), time.Now()
	title := fmt.Sprintf("%s savepoint %d", t.marker, c.rng.Uint64())
	err := c.h.db.InTenant(ctx, t.Tenant, func(tx *tenantdb.Tx) error {
		sp, err := tx.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := sp.Exec(ctx, "INSERT INTO items (name) VALUES ($1)", title); err != nil {
			return err
		}
		if _, err := sp.Exec(ctx, "SELECT set_config('search_path', 'public', true), set_config('tenantry.tenant_id', '0', true)"); err != nil {
			return err
		}
		if err := sp.Rollback(ctx); err != nil {
			return err
		}
		return c.checkTx(ctx, name, tx, t, title)
	})
	c.done(name, "ok", start, err)
}

// libSavepointError fails a statement in a savepoint (a description the
// table's check refuses), rolls the savepoint back and goes on in the
// transaction.
func (c *client) libSavepointError(ctx context.Context) {
	const name = "lib_savepoint_error"
	t, start := c.tenant(), time.Now()
	title := fmt.Sprintf("%s too long %d", t.marker, c.rng.Uint64())
	err := c.h.db.InTenant(ctx, t.Tenant, func(tx *tenantdb.Tx) error {
		sp, err := tx.Begin(ctx)
		if err != nil {
			return err
		}
		_, err = sp.Exec(ctx, "INSERT INTO items (name, description) VALUES ($1, repeat('x', 10001))", title)
		if sqlState(err) != checkViolation {
			return fmt.Errorf("insert a too-long description: got %v, want a check violation", err)
		}
		if err := sp.Rollback(ctx); err != nil {
			return err
		}
		return c.checkTx(ctx, name, tx, t, title)
	})
	c.done(name, "ok", start, err)
}

// libErrorThenFresh fails a transaction of t half-way, then checks a fresh
// transaction of another tenant on the same pool.
func (c *client) libErrorThenFresh(ctx context.Context) {
	const name = "lib_error_then_fresh"
	t, start := c.tenant(), time.Now()
	err := c.h.db.InTenant(ctx, t.Tenant, func(tx *tenantdb.Tx) error {
		if err := c.checkTx(ctx, name, tx, t, ""); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO items (name) VALUES ('')")
		return err
	})
	if sqlState(err) != checkViolation {
		c.done(name, "", start, fmt.Errorf("insert a blank title: got %v, want a check violation", err))
		return
	}
	o := c.other(t)
	err = c.h.db.InTenant(ctx, o.Tenant, func(tx *tenantdb.Tx) error { return c.checkTx(ctx, name, tx, o, "") })
	c.done(name, "rolled back, then fresh", start, err)
}

// libPipelineError sends a pipeline (the API's read path) whose last query
// fails, then a fresh pipeline of another tenant.
func (c *client) libPipelineError(ctx context.Context) {
	const name = "lib_pipeline_error"
	t, start := c.tenant(), time.Now()
	b := &pgx.Batch{}
	c.queueCheck(b, name, t)
	b.Queue("SELECT 1 / (count(*) - count(*)) FROM items")
	if err := c.h.db.Pipeline(ctx, t.Tenant, b); sqlState(err) != divisionByZero {
		c.done(name, "", start, fmt.Errorf("pipeline dividing by zero: got %v, want a division by zero", err))
		return
	}
	o := c.other(t)
	b = &pgx.Batch{}
	c.queueCheck(b, name, o)
	c.done(name, "failed, then fresh", start, c.h.db.Pipeline(ctx, o.Tenant, b))
}

// queueCheck adds to b checkTx's queries for t.
func (c *client) queueCheck(b *pgx.Batch, name string, t *tenant) {
	b.Queue(bindingSQL).QueryRow(func(row pgx.Row) error {
		var got binding
		if err := row.Scan(&got.schemas, &got.user, &got.tenantID); err != nil {
			return err
		}
		if want := c.h.wantBinding(t); !got.equal(want) {
			c.leak(name, t, "pipeline bound to %s, want %s", got, want)
		}
		return nil
	})
	b.Queue("SELECT id, name FROM items ORDER BY id DESC LIMIT 200").Query(func(rows pgx.Rows) error {
		var id int64
		var title string
		_, err := pgx.ForEachRow(rows, []any{&id, &title}, func() error {
			c.checkRow(name, t, id, title, "")
			return nil
		})
		return err
	})
}

// errPanic is what libPanic panics with.
var errPanic = errors.New("leakhunt: panic inside a tenant transaction")

// libPanic panics inside a tenant transaction after an insert; InTenant
// rolls back and passes the panic on. The row must be gone.
func (c *client) libPanic(ctx context.Context) {
	const name = "lib_panic"
	t, start := c.tenant(), time.Now()
	title := fmt.Sprintf("%s panic %d", t.marker, c.rng.Uint64())
	if err := c.panicIn(ctx, t, title); err != nil {
		c.done(name, "", start, err)
		return
	}
	err := c.h.db.InTenant(ctx, t.Tenant, func(tx *tenantdb.Tx) error { return c.checkTx(ctx, name, tx, t, title) })
	c.done(name, "rolled back, then fresh", start, err)
}

func (c *client) panicIn(ctx context.Context, t *tenant, title string) (err error) {
	defer func() {
		if p := recover(); p != errPanic {
			err = fmt.Errorf("InTenant passed on %v, want the transaction's panic", p)
		}
	}()
	err = c.h.db.InTenant(ctx, t.Tenant, func(tx *tenantdb.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO items (name) VALUES ($1)", title); err != nil {
			return err
		}
		panic(errPanic)
	})
	return fmt.Errorf("InTenant returned %v instead of panicking", err)
}

// libTimeout runs a tenant transaction with a very short deadline, then a
// fresh one of a random tenant, and checks the pool.
func (c *client) libTimeout(ctx context.Context) {
	const name = "lib_timeout"
	t, start := c.tenant(), time.Now()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Microsecond+c.cutDelay())
	err := c.h.db.InTenant(tctx, t.Tenant, func(tx *tenantdb.Tx) error { return c.checkTx(tctx, name, tx, t, "") })
	cancel()
	outcome := "ok"
	if err != nil {
		if tctx.Err() == nil {
			c.done(name, "", start, err)
			return
		}
		outcome = "timed out"
	}
	o := c.tenant()
	err = c.h.db.InTenant(ctx, o.Tenant, func(tx *tenantdb.Tx) error { return c.checkTx(ctx, name, tx, o, "") })
	if err == nil {
		err = c.checkPool(ctx, name)
	}
	c.done(name, outcome, start, err)
}

// poolHygiene checks a pooled connection outside any tenant transaction.
func (c *client) poolHygiene(ctx context.Context) {
	const name = "pool_hygiene"
	start := time.Now()
	c.done(name, "ok", start, c.checkPool(ctx, name))
}

// hygieneSQL reads a connection's role, search_path and tenant id setting.
const hygieneSQL = `SELECT current_user::text, current_setting('search_path'),
	coalesce(current_setting('tenantry.tenant_id', true), '')`

// checkPool checks that a connection of the pool, outside any transaction,
// has the login's role and search_path and no tenant id: no tenant's
// binding outlived its transaction.
func (c *client) checkPool(ctx context.Context, name string) error {
	var user, path, tenantID string
	if err := c.h.pool.QueryRow(ctx, hygieneSQL).Scan(&user, &path, &tenantID); err != nil {
		return fmt.Errorf("read a pooled connection's settings: %w", err)
	}
	if user != c.h.loginRole || path != c.h.searchPath || tenantID != "" {
		c.st.leak(Finding{Action: name, Tenant: "(no tenant)", What: fmt.Sprintf(
			"a pooled connection outside any transaction has role %s, search_path %q, tenant id %q; want %s, %q, none",
			user, path, tenantID, c.h.loginRole, c.h.searchPath)})
	}
	return nil
}
