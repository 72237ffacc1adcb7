package tenantdb

import (
	"container/list"
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry"
)

// Statements of the tenants active most recently are prepared apart from
// other tenants' (Config.TenantStatements): their text starts with a
// comment naming the tenant's schema, so that pgx's statement cache, keyed
// by text, holds one prepared statement per tenant on each connection.
//
// Without it, one prepared statement serves every tenant, and PostgreSQL
// parses and plans it again whenever the search_path it meets differs from
// the one it was last planned under: with many tenants sharing a pool's
// connections, that is nearly every execution, and the planning costs more
// than running a page query. Isolation does not rest on this: a tenant's
// statement is still run inside the tenant's bound transaction, and
// PostgreSQL itself re-plans a statement met under another search_path.
//
// A tenant gets statements of its own from its second transaction within
// the last TenantStatements tenants active, so that a burst of tenants seen
// once each (a crawl of 10,000 hosts) does not fill the connections' caches
// with statements used once.

// DefaultTenantStatements is Config.TenantStatements' default.
const DefaultTenantStatements = 128

// recentTenants is the set of the tenants active most recently, at most
// size of them. It is safe for concurrent use; a nil *recentTenants holds
// none.
type recentTenants struct {
	mu   sync.Mutex
	size int
	lru  *list.List // of tenant ids, the most recent first
	at   map[int64]*list.Element
}

func newRecentTenants(size int) *recentTenants {
	if size <= 0 {
		return nil
	}
	return &recentTenants{size: size, lru: list.New(), at: make(map[int64]*list.Element, size)}
}

// seen records tenant id as the most recent and reports whether it was
// already among the recent ones.
func (r *recentTenants) seen(id int64) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.at[id]; ok {
		r.lru.MoveToFront(e)
		return true
	}
	r.at[id] = r.lru.PushFront(id)
	if r.lru.Len() > r.size {
		last := r.lru.Back()
		r.lru.Remove(last)
		delete(r.at, last.Value.(int64))
	}
	return false
}

// statementTag is the prefix of t's statements: a comment naming its
// schema when t is among the recent tenants, else "" (the statements every
// tenant shares). The schema name was validated by the caller: it holds no
// "*/".
func (db *DB) statementTag(t *tenantry.Tenant) string {
	if !db.recent.seen(t.ID) {
		return ""
	}
	return "/* " + t.SchemaName + " */ "
}

// tagged returns b's queries with their callbacks, each query's text
// prefixed with tag, and without what pgx recorded of them during a send
// (their statement descriptions): b itself is left as it was, and may be
// sent again after a failed send.
func tagged(b *pgx.Batch, tag string) *pgx.Batch {
	nb := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries))}
	for _, qq := range b.QueuedQueries {
		nb.Queue(tag+qq.SQL, qq.Arguments...).Fn = qq.Fn
	}
	return nb
}

// Exec is pgx.Tx's Exec with the tenant's statement text (see
// Config.TenantStatements).
func (tx *Tx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return tx.Tx.Exec(ctx, tx.tag+sql, args...)
}

// Query is pgx.Tx's Query with the tenant's statement text.
func (tx *Tx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return tx.Tx.Query(ctx, tx.tag+sql, args...)
}

// QueryRow is pgx.Tx's QueryRow with the tenant's statement text.
func (tx *Tx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return tx.Tx.QueryRow(ctx, tx.tag+sql, args...)
}

// SendBatch is pgx.Tx's SendBatch with the tenant's statement texts; b
// itself is left as it was.
func (tx *Tx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return tx.Tx.SendBatch(ctx, tagged(b, tx.tag))
}
