package tenantdb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/internal/sqlquote"
)

// Pipeline runs the queries of b inside a transaction bound to t, in one
// round trip: the binding (entering the tenant and the transaction-local
// settings, one statement) and b's queries are sent together, ended by one
// Sync. Results reach b's callbacks (QueuedQuery.Query, QueryRow, Exec) as
// they are read. It is for work whose statements do not depend on each
// other's results, such as a page of rows and their total; InTenant is for
// the rest. If a query fails, the transaction is rolled back (the server
// skips what follows it) and the error returned; a callback's error is
// returned too, but by then the server has run every statement: Pipeline
// is for reads. The binding ends with the transaction, and the tenant is
// entered first, and admitted by the Limiter, as with InTenant.
//
// The first time one of b's statement texts is pipelined on a pooled
// connection, the batch runs instead in an interactive transaction bound
// the same way (four round trips), which prepares its statements there;
// later pipelines of them on that connection take one.
//
// The transaction is the implicit one of PostgreSQL's extended protocol:
// every statement up to the Sync runs in one transaction, committed at the
// Sync, or rolled back there when one failed (the server skips the rest).
// It needs no BEGIN or COMMIT of its own, two statements fewer a request,
// and holds no state past the Sync, behind PgBouncer in transaction mode
// too.
func (db *DB) Pipeline(ctx context.Context, t *tenantry.Tenant, b *pgx.Batch) (err error) {
	if err := tenantry.ValidateSchemaName(t.SchemaName); err != nil {
		return fmt.Errorf("tenant %s: %w", t.Slug, err)
	}
	if db.roles && t.RoleName == "" {
		return fmt.Errorf("tenant %s: %w", t.Slug, ErrNoRole)
	}
	done, timeout, err := db.admit(ctx, t)
	if err != nil {
		return err
	}
	defer done()
	full := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+1)}
	begun := false
	args := db.bindArgs(t, timeout)
	full.Queue(enterAndBind(db.bindQuery(timeout), len(args)+1), append(args, t.ID)...).
		Exec(func(pgconn.CommandTag) error { begun = true; return nil })
	tag := db.statementTag(t)
	own := tagged(b, tag)
	full.QueuedQueries = append(full.QueuedQueries, own.QueuedQueries...)
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pipeline for tenant %s: %w", t.Slug, err)
	}
	defer conn.Release()
	prepared := db.prepared(conn.Conn())
	interactive := func() error {
		// A bound transaction on the same connection prepares, and pgx
		// caches, b's statements where they resolve, so that the next
		// pipeline of them here takes one round trip.
		err := db.inTenant(ctx, conn, t, timeout, tag, func(tx *Tx) error { return tx.SendBatch(ctx, b).Close() })
		if err == nil {
			prepared.addAll(own, db.prepareCap)
		}
		return err
	}
	if !prepared.hasAll(own) {
		return interactive() // see prepared.go
	}
	err = conn.SendBatch(ctx, full).Close()
	if err != nil && !begun && ctx.Err() == nil && pgerr.Code(err) != pgerr.TenantGone {
		// Nothing ran: pgx found a statement no longer in its cache and
		// prepared it outside any binding, where the tenant's tables do
		// not resolve.
		return interactive()
	}
	if err != nil {
		// The Sync rolled the transaction back. A connection left busy or
		// in a transaction (cut off mid-read) is closed by the pool on
		// release, never reused.
		if cerr := ctx.Err(); cerr != nil && !begun {
			// Cancelled before anything ran (pgx may have been preparing
			// outside the binding): the cancellation is the cause.
			return fmt.Errorf("pipeline for tenant %s: %w", t.Slug, cerr)
		}
		return fmt.Errorf("pipeline for tenant %s: %w", t.Slug, gone(t, err))
	}
	return nil
}

// enterAndBind is the binding query with the tenant's entry first, its
// tenant id parameter number n: the entry runs before the settings (a
// target list is evaluated in order), as the application's own role, and
// stops the statement, and with it the transaction, when the tenant is
// gone. Its lock is taken, and the tenant then checked with a snapshot of
// its own, inside the function.
func enterAndBind(bind string, n int) string {
	return "SELECT public.tenantry_enter_tenant($" + strconv.Itoa(n) + "), " + strings.TrimPrefix(bind, "SELECT ")
}

// bindQuery is the binding as one parameterised statement, with the
// statement timeout when there is one.
func (db *DB) bindQuery(timeout time.Duration) string {
	q := "SELECT set_config('search_path', $1, true), set_config('tenantry.tenant_id', $2, true)"
	n := 2
	if timeoutMS(timeout) != "" {
		n++
		q += ", set_config('statement_timeout', $" + strconv.Itoa(n) + ", true)"
	}
	if db.roles {
		n++
		q += ", set_config('role', $" + strconv.Itoa(n) + ", true)"
	}
	return q
}

func (db *DB) bindArgs(t *tenantry.Tenant, timeout time.Duration) []any {
	args := []any{sqlquote.Ident(t.SchemaName) + ", public", strconv.FormatInt(t.ID, 10)}
	if ms := timeoutMS(timeout); ms != "" {
		args = append(args, ms)
	}
	if db.roles {
		args = append(args, t.RoleName)
	}
	return args
}
