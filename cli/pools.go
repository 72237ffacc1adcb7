package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Each process divides its database connections by purpose, so that one
// purpose waiting cannot take the connections of another: HTTP requests
// (and the operator commands) use the pool wire opens, the job workers the
// one startJobs opens. The registry's LISTEN has a connection of its own
// (TENANTRY_LISTEN_URL).
const (
	// defaultPoolHTTP is TENANTRY_POOL_HTTP's default.
	defaultPoolHTTP = 10
	// jobsPoolOverhead is what TENANTRY_POOL_JOBS adds by default to
	// TENANTRY_WORKERS: River's listener, job fetches, completions and
	// maintenance, besides one connection for each running job.
	jobsPoolOverhead = 4
)

// openPool connects to url with a pool of at most maxConns connections,
// which overrides any pool_max_conns in url, behind a breaker that backs
// off while the database is down, and checks that the database answers.
func openPool(ctx context.Context, url string, maxConns int32, log *slog.Logger) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, usagef("DATABASE_URL: %v", err)
	}
	cfg.MaxConns = maxConns
	backOffWhenDown(cfg, log)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	return pool, nil
}
