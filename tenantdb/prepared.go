package tenantdb

import (
	"github.com/jackc/pgx/v5"
)

// A pipeline can run in one round trip only if every statement of it is
// already prepared on its connection: pgx prepares a statement it has not
// seen before sending the batch, outside the pipeline's transaction, where
// the tenant's tables do not resolve, so the prepare fails (and PostgreSQL
// logs an ERROR). Pipeline therefore keeps, on each connection, the texts
// it has seen run there, and sends a batch holding any other text through
// a bound interactive transaction, which prepares it where it resolves.
//
// The record can only be wrong in the safe direction: pgx may since have
// evicted a text from its statement cache, and the pipeline then fails
// before anything ran and is sent through a bound transaction after all
// (Pipeline's fallback). It is bounded by pgx's own cache capacity.

// preparedKey is the connection's CustomData key of its record.
const preparedKey = "tenantry.prepared"

// preparedTexts is the set of statement texts seen prepared on one
// connection. Only the goroutine holding the connection uses it.
type preparedTexts map[string]struct{}

// prepared returns conn's record, made on first use, or nil when the DB's
// connections do not prepare (db.prepareCap is 0): then every pipeline may
// go in one round trip.
func (db *DB) prepared(conn *pgx.Conn) preparedTexts {
	if db.prepareCap <= 0 {
		return nil
	}
	data := conn.PgConn().CustomData()
	p, _ := data[preparedKey].(preparedTexts)
	if p == nil {
		p = make(preparedTexts)
		data[preparedKey] = p
	}
	return p
}

// hasAll reports whether every query of b is in the record (a nil record
// has them all).
func (p preparedTexts) hasAll(b *pgx.Batch) bool {
	if p == nil {
		return true
	}
	for _, qq := range b.QueuedQueries {
		if _, ok := p[qq.SQL]; !ok {
			return false
		}
	}
	return true
}

// addAll records b's queries as prepared. A record grown to capacity
// entries, the most pgx's cache can hold, starts again empty: the texts
// still prepared cost one interactive transaction each to learn again.
func (p preparedTexts) addAll(b *pgx.Batch, capacity int) {
	if p == nil {
		return
	}
	for _, qq := range b.QueuedQueries {
		if _, ok := p[qq.SQL]; ok {
			continue
		}
		if len(p) >= capacity {
			clear(p)
		}
		p[qq.SQL] = struct{}{}
	}
}
