package migrate

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/sqlquote"
)

// ledgerTable records, in each schema, the migrations applied to it.
const ledgerTable = "tenantry_migrations"

// The ledger's statements use unqualified names: Apply has pointed the
// transaction's search_path at the schema being migrated.
const (
	createLedger = `CREATE TABLE IF NOT EXISTS tenantry_migrations (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	checksum   text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`
	selectLedger = `SELECT version, name, checksum FROM tenantry_migrations ORDER BY version`
	insertLedger = `INSERT INTO tenantry_migrations (version, name, checksum) VALUES ($1, $2, $3)`
)

func readLedger(ctx context.Context, tx pgx.Tx) ([]Migration, error) {
	rows, _ := tx.Query(ctx, selectLedger)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Migration, error) {
		var m Migration
		err := r.Scan(&m.Version, &m.Name, &m.Checksum)
		return m, err
	})
}

// Querier is what Version needs: a pool, a connection or a transaction.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Version returns the highest migration version recorded in schema's ledger,
// or 0 when the schema has no ledger yet.
func Version(ctx context.Context, q Querier, schema string) (int, error) {
	table := sqlquote.Ident(schema, ledgerTable)
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil || !exists {
		return 0, wrapVersion(schema, err)
	}
	var v int
	err := q.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+table).Scan(&v)
	return v, wrapVersion(schema, err)
}

func wrapVersion(schema string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("read migration version of schema %s: %w", schema, err)
}
