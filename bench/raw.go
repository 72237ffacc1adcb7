package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/migrate"
)

// errRollback ends a transaction whose work is only timed.
var errRollback = errors.New("rolled back on purpose")

// timeRawDDL runs the set's SQL n times into a new schema, with no ledger,
// role or registry, and rolls it back: the floor under provisioning.
func timeRawDDL(ctx context.Context, pool *pgxpool.Pool, set *migrate.Set, n int) (Stats, error) {
	ds := make([]time.Duration, 0, n)
	for i := range n {
		var d time.Duration
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var err error
			d, err = runDDL(ctx, tx, fmt.Sprintf("bench_raw_%d", i), set)
			if err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			return Stats{}, fmt.Errorf("bench: time raw DDL: %w", err)
		}
		ds = append(ds, d)
	}
	return summarize(ds), nil
}

// runDDL creates schema and runs every migration of set in it, in tx.
func runDDL(ctx context.Context, tx pgx.Tx, schema string, set *migrate.Set) (time.Duration, error) {
	start := time.Now()
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+sqlquote.Ident(schema)); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", sqlquote.Ident(schema)); err != nil {
		return 0, err
	}
	for _, m := range set.Migrations() {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return 0, fmt.Errorf("migration %s: %w", m.Label(), err)
		}
	}
	return time.Since(start), nil
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
