package tenanttest

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/internal/sqlquote"
)

// AddTables adds n tables, bulk_1 to bulk_n, to schema, as pool's login:
// each has a bigint primary key and a text column (so a TOAST table), about
// eight locks to drop. They are made 500 to a transaction, so that making
// thousands fits in the lock table of a small server. It fails t on error.
func AddTables(t testing.TB, pool *pgxpool.Pool, schema string, n int) {
	t.Helper()
	for from := 1; from <= n; from += 500 {
		body := fmt.Sprintf(`BEGIN FOR i IN %d..%d LOOP
			EXECUTE format('CREATE TABLE %%I.%%I (id bigint PRIMARY KEY, note text)', %s, 'bulk_' || i);
			END LOOP; END`, from, min(from+499, n), sqlquote.Literal(schema))
		if _, err := pool.Exec(context.Background(), "DO "+sqlquote.Literal(body)); err != nil {
			t.Fatalf("tenanttest: add tables %d.. to %s: %v", from, schema, err)
		}
	}
}
