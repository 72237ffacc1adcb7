package migrate

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/sqlquote"
)

// LedgerTable records, in each schema, the migrations applied to it. Code
// that drops a schema piecemeal (provision.Delete) drops it last, so that a
// migration run meanwhile never finds the schema unmigrated.
const LedgerTable = "tenantry_migrations"

// ledgerColumns defines the ledger table.
const ledgerColumns = `(
	line       text NOT NULL DEFAULT '',
	version    integer NOT NULL,
	name       text NOT NULL,
	checksum   text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (line, version)
)`

// The ledger's statements name it qualified: they run before search_path
// points at the schema, or after a migration that may have moved it. Their
// text differs per schema, so they go by the simple protocol, which leaves
// pgx's statement cache alone.

// ensureLedgerSQL creates the ledger when it is missing, and gives a ledger
// made before migration lines existed its line column (its rows are
// Tenantry's own line, ""). It checks first, in PL/pgSQL, because CREATE
// TABLE IF NOT EXISTS demands the CREATE privilege on the schema even when
// the table exists, and a role that may only read a current ledger can run
// Apply with nothing pending.
func ensureLedgerSQL(schema string) string {
	table := sqlquote.Ident(schema, LedgerTable)
	lit := sqlquote.Literal(table)
	body := "BEGIN IF to_regclass(" + lit + ") IS NULL THEN CREATE TABLE " + table + " " + ledgerColumns + "; " +
		"ELSIF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass(" + lit + ") AND attname = 'line') THEN " +
		"ALTER TABLE " + table + " ADD COLUMN line text NOT NULL DEFAULT '', DROP CONSTRAINT " +
		sqlquote.Ident(LedgerTable+"_pkey") + ", ADD PRIMARY KEY (line, version); END IF; END"
	return "DO " + sqlquote.Literal(body)
}

// selectLedgerSQL reads the ledger, with or without its line column (a dry
// run reads ledgers it may not upgrade).
func selectLedgerSQL(schema string) string {
	return "SELECT coalesce(to_jsonb(l)->>'line', ''), version, name, checksum FROM " +
		sqlquote.Ident(schema, LedgerTable) + " l ORDER BY 1, version"
}

func insertLedgerSQL(schema string, m Migration) string {
	return fmt.Sprintf("INSERT INTO %s (line, version, name, checksum) VALUES (%s, %d, %s, %s)",
		sqlquote.Ident(schema, LedgerTable), sqlquote.Literal(m.Line), m.Version, sqlquote.Literal(m.Name), sqlquote.Literal(m.Checksum))
}

// readLedger returns the migrations recorded in schema's ledger, which must
// exist.
func readLedger(ctx context.Context, tx pgx.Tx, schema string) ([]Migration, error) {
	rows, _ := tx.Query(ctx, selectLedgerSQL(schema), pgx.QueryExecModeSimpleProtocol)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Migration, error) {
		var m Migration
		err := r.Scan(&m.Line, &m.Version, &m.Name, &m.Checksum)
		return m, err
	})
}

// ledgerRows decodes the text-format rows of selectLedgerSQL.
func ledgerRows(rows [][][]byte) ([]Migration, error) {
	out := make([]Migration, 0, len(rows))
	for _, r := range rows {
		if len(r) != 4 {
			return nil, fmt.Errorf("ledger row has %d columns, want 4", len(r))
		}
		v, err := strconv.Atoi(string(r[1]))
		if err != nil {
			return nil, fmt.Errorf("ledger version %q: %w", r[1], err)
		}
		out = append(out, Migration{Line: string(r[0]), Version: v, Name: string(r[2]), Checksum: string(r[3])})
	}
	return out, nil
}

// Querier is what Version needs: a pool, a connection or a transaction.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Version returns the level of schema: how many migrations its ledger
// records (compare it with Set.Latest), or 0 when it has no ledger yet.
func Version(ctx context.Context, q Querier, schema string) (int, error) {
	table := sqlquote.Ident(schema, LedgerTable)
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil || !exists {
		return 0, wrapVersion(schema, err)
	}
	var v int
	// Simple protocol: the text differs per schema (see the ledger's
	// statements above).
	err := q.QueryRow(ctx, "SELECT count(*) FROM "+table, pgx.QueryExecModeSimpleProtocol).Scan(&v)
	return v, wrapVersion(schema, err)
}

func wrapVersion(schema string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("read migration version of schema %s: %w", schema, err)
}
