package provision

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/sqlquote"
)

// schemaTablesSQL lists the tables of schema $1 that ANALYZE takes (plain and
// partitioned tables, materialized views), through pg_depend's index.
const schemaTablesSQL = `SELECT c.relname::text FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
	WHERE ` + inSchema + ` AND d.classid = 'pg_class'::regclass AND d.deptype = 'n'
	AND c.relkind IN ('r', 'p', 'm')
	ORDER BY 1`

// analyzeSchema gathers the planner's statistics for every table of a
// schema just migrated, inside tx: all empty, they then say so. A table
// never analyzed is planned as if it held ten pages of rows, and a table
// stays unanalyzed until autovacuum sees 50 rows change, which a small
// tenant's tables may never do. Under that guess PostgreSQL finds its
// generic plan for a query with a parameterised LIMIT (a page of rows)
// dearer than a plan made for the values, so it plans such a query anew on
// every execution, which costs more than running it. Analyzed, the tables
// are planned from their real size, and prepared statements keep their
// plans.
func analyzeSchema(ctx context.Context, tx pgx.Tx, schema string) error {
	rows, err := tx.Query(ctx, schemaTablesSQL, schema)
	if err != nil {
		return fmt.Errorf("list the tables of schema %s: %w", schema, err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list the tables of schema %s: %w", schema, err)
	}
	if len(tables) == 0 {
		return nil
	}
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = sqlquote.Ident(schema, t)
	}
	if _, err := tx.Exec(ctx, "ANALYZE "+strings.Join(names, ", ")); err != nil {
		return fmt.Errorf("analyze the tables of schema %s: %w", schema, err)
	}
	return nil
}
