package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/migrate"
)

// timeRawDDL creates schema bench_raw_<i> and runs the set's SQL in it, in
// one committed transaction with no ledger, role or registry: the floor
// under provisioning. The schema stays until the database is dropped.
func timeRawDDL(ctx context.Context, pool *pgxpool.Pool, set *migrate.Set, i int) (time.Duration, error) {
	schema := fmt.Sprintf("bench_raw_%d", i)
	start := time.Now()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return runDDL(ctx, tx, schema, set) })
	if err != nil {
		return 0, fmt.Errorf("bench: raw DDL in schema %s: %w", schema, err)
	}
	return time.Since(start), nil
}

// runDDL creates schema and runs every migration of set in it, in tx.
func runDDL(ctx context.Context, tx pgx.Tx, schema string, set *migrate.Set) error {
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+sqlquote.Ident(schema)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", sqlquote.Ident(schema)); err != nil {
		return err
	}
	for _, m := range set.Migrations() {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Label(), err)
		}
	}
	return nil
}

// timeHash times n argon2id hashes of a password, as an admin user costs.
func timeHash(n int) (Stats, error) {
	ds := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if _, err := auth.HashPassword("bench-owner-password"); err != nil {
			return Stats{}, fmt.Errorf("bench: hash a password: %w", err)
		}
		ds = append(ds, time.Since(start))
	}
	return summarize(ds), nil
}
