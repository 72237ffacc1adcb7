package export

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Querier is a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// sharedTablesSQL lists the tables of public with a tenant_id column: the
// shared tables that hold per-tenant rows, Tenantry's and an
// application's alike.
const sharedTablesSQL = `SELECT c.relname::text FROM pg_catalog.pg_class c
	JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
	WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`

// sharedTables lists the shared tables that hold per-tenant rows.
func sharedTables(ctx context.Context, q Querier) ([]string, error) {
	rows, _ := q.Query(ctx, sharedTablesSQL)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list the shared tables with a tenant_id: %w", err)
	}
	return names, nil
}

// sharedRows returns the rows of public.table whose tenant_id is id, one
// JSON object per line, and their number.
func sharedRows(ctx context.Context, q Querier, table string, id int64) ([]byte, int64, error) {
	rows, _ := q.Query(ctx, "SELECT to_jsonb(t)::text FROM "+pgx.Identifier{"public", table}.Sanitize()+
		" t WHERE tenant_id = $1", id)
	var b bytes.Buffer
	var n int64
	var line string
	_, err := pgx.ForEachRow(rows, []any{&line}, func() error {
		b.WriteString(line)
		b.WriteByte('\n')
		n++
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read the tenant's rows of public.%s: %w", table, err)
	}
	return b.Bytes(), n, nil
}

// insertableSQL lists the columns of public.$1 an import writes: not
// dropped, generated, identity, or numbered by a sequence (the copy gets
// new numbers, the original keeps its own), and not tenant_id.
const insertableSQL = `SELECT a.attname::text FROM pg_catalog.pg_attribute a
	LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	WHERE a.attrelid = ('public.' || quote_ident($1))::regclass AND a.attnum > 0 AND NOT a.attisdropped
	AND a.attgenerated = '' AND a.attidentity = '' AND a.attname <> 'tenant_id'
	AND coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') NOT LIKE 'nextval(%'
	ORDER BY a.attnum`

// insertShared adds rows (JSON objects) to public.table for tenant id, in
// one statement: the columns both the rows and the table have, so that an
// archive made before a shared migration added a column gets its default.
func insertShared(ctx context.Context, tx pgx.Tx, table string, id int64, rows []map[string]json.RawMessage) error {
	if len(rows) == 0 {
		return nil
	}
	qrows, _ := tx.Query(ctx, insertableSQL, table)
	cols, err := pgx.CollectRows(qrows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list the columns of public.%s: %w", table, err)
	}
	cols = slices.DeleteFunc(cols, func(c string) bool {
		return !slices.ContainsFunc(rows, func(r map[string]json.RawMessage) bool { _, ok := r[c]; return ok })
	})
	body, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("encode the rows of public.%s: %w", table, err)
	}
	list := ""
	for _, c := range cols {
		list += pgx.Identifier{c}.Sanitize() + ", "
	}
	target := pgx.Identifier{"public", table}.Sanitize()
	sql := "INSERT INTO " + target + " (" + list + "tenant_id) SELECT " + list + "$2 FROM jsonb_populate_recordset(NULL::" +
		target + ", $1::jsonb)"
	if _, err := tx.Exec(ctx, sql, string(body), id); err != nil {
		return fmt.Errorf("restore %d rows of public.%s: %w", len(rows), table, err)
	}
	return nil
}

// parseRows reads a shared member: one JSON object per line.
func parseRows(b []byte) ([]map[string]json.RawMessage, error) {
	var out []map[string]json.RawMessage
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var row map[string]json.RawMessage
		if err := json.Unmarshal(line, &row); err != nil {
			return nil, fmt.Errorf("a row is not a JSON object: %v: %w", err, ErrCorrupt)
		}
		out = append(out, row)
	}
	return out, nil
}
