package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry/internal/sqlquote"
)

// LockNamespace is the first key of the transaction-level advisory lock
// Apply takes on each schema; the second is hashtext(schema). Code that must
// not wait for a migration in progress tries the same lock:
// pg_try_advisory_xact_lock(migrate.LockNamespace, hashtext(schema)). A
// crash releases it with its transaction.
const LockNamespace = 0x7e4a

// open locks the schema, points the transaction's search_path at it and
// returns the migrations its ledger records. Except in a dry run, which
// creates nothing, it also creates the ledger (and the schema, with
// CreateSchema) when missing.
func open(ctx context.Context, tx pgx.Tx, schema string, opts *Options) ([]Migration, error) {
	if opts.DryRun {
		return inspect(ctx, tx, schema)
	}
	return prepare(ctx, tx, schema, opts.CreateSchema)
}

// step is one statement of prepare, with what it does for messages.
type step struct {
	sql  string
	does string // "lock schema tenant_a for migration"
}

// prepareSteps are prepare's statements, in order. Each runs with a fresh
// snapshot (READ COMMITTED), so the ledger read sees what the previous
// holder of the lock committed.
func prepareSteps(schema string, createSchema bool) []step {
	steps := []step{{fmt.Sprintf("SELECT pg_advisory_xact_lock(%d, hashtext(%s)), set_config('search_path', %s, true)",
		LockNamespace, sqlquote.Literal(schema), sqlquote.Literal(sqlquote.Ident(schema))), "lock schema " + schema + " for migration"}}
	if createSchema {
		steps = append(steps, step{"CREATE SCHEMA IF NOT EXISTS " + sqlquote.Ident(schema), "create schema " + schema})
	}
	return append(steps,
		step{ensureLedgerSQL(schema), "create migration ledger in schema " + schema},
		step{selectLedgerSQL(schema), "read migration ledger of schema " + schema})
}

// prepare sends prepareSteps as one simple-protocol query: one round trip.
func prepare(ctx context.Context, tx pgx.Tx, schema string, createSchema bool) ([]Migration, error) {
	steps := prepareSteps(schema, createSchema)
	sqls := make([]string, len(steps))
	for i, s := range steps {
		sqls[i] = s.sql
	}
	results, err := tx.Conn().PgConn().Exec(ctx, strings.Join(sqls, ";\n")).ReadAll()
	if err != nil {
		return nil, prepareError(schema, steps, results, err)
	}
	if len(results) != len(steps) {
		return nil, fmt.Errorf("prepare schema %s for migration: %d results for %d statements", schema, len(results), len(steps))
	}
	ledger, err := ledgerRows(results[len(results)-1].Rows)
	if err != nil {
		return nil, fmt.Errorf("read migration ledger of schema %s: %w", schema, err)
	}
	return ledger, nil
}

// prepareError names the step of prepare that failed: the first without a
// successful result.
func prepareError(schema string, steps []step, results []*pgconn.Result, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "3F000" { // invalid_schema_name
		return fmt.Errorf("schema %s does not exist", schema)
	}
	done := 0
	for _, r := range results {
		if r.Err == nil {
			done++
		}
	}
	return fmt.Errorf("%s: %w", steps[min(done, len(steps)-1)].does, err)
}

// inspect is open for a dry run: it locks the schema and reads its ledger
// if both exist, creating nothing.
func inspect(ctx context.Context, tx pgx.Tx, schema string) ([]Migration, error) {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2)), set_config('search_path', $3, true)",
		LockNamespace, schema, sqlquote.Ident(schema)); err != nil {
		return nil, fmt.Errorf("lock schema %s for migration: %w", schema, err)
	}
	var hasLedger bool
	if err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", sqlquote.Ident(schema, LedgerTable)).Scan(&hasLedger); err != nil {
		return nil, fmt.Errorf("inspect schema %s: %w", schema, err)
	}
	if !hasLedger {
		return nil, nil
	}
	ledger, err := readLedger(ctx, tx, schema)
	if err != nil {
		return nil, fmt.Errorf("read migration ledger of schema %s: %w", schema, err)
	}
	return ledger, nil
}
