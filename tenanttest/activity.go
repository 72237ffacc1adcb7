package tenanttest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// idleInTransactionSQL lists the sessions of the current database that sit
// in a transaction between statements, leaving out River's own (their last
// statement names a river_ table or function).
const idleInTransactionSQL = `SELECT query FROM pg_stat_activity
	WHERE datname = current_database() AND pid <> pg_backend_pid()
	AND state LIKE 'idle in transaction%' AND query NOT ILIKE '%river%'`

// IdleInTransaction returns the last statement of each session of pool's
// database that is idle in a transaction, River's own left out: work
// holding a connection and a transaction open while it waits on something
// else. It fails t when the query fails.
func IdleInTransaction(t testing.TB, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), idleInTransactionSQL)
	if err == nil {
		var queries []string
		if queries, err = pgx.CollectRows(rows, pgx.RowTo[string]); err == nil {
			return queries
		}
	}
	t.Fatalf("tenanttest: list sessions idle in transaction: %v", err)
	return nil
}
