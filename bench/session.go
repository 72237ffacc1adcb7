package bench

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/internal/scratchdb"
)

// session is one benchmark run: its configuration, its own database and a
// pool on it.
type session struct {
	cfg  Config
	db   *scratchdb.DB
	pool *pgxpool.Pool
}

// start creates the run's database, migrates its public schema and opens a
// pool of conns connections on it.
func start(ctx context.Context, cfg *Config, conns int) (*session, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	db, err := scratchdb.Create(ctx, c.AdminURL, scratchdb.Options{Prefix: "tenantry_bench_"})
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	s := &session{cfg: c, db: db}
	c.Logger.Info("bench database created", "database", db.Name)
	if s.pool, err = openPool(ctx, db.URL, conns); err != nil {
		return nil, errors.Join(err, s.close(ctx))
	}
	return s, nil
}

// close closes the pool and drops the database and its roles, unless Keep.
func (s *session) close(ctx context.Context) error {
	if s.pool != nil {
		s.pool.Close()
	}
	if s.cfg.Keep {
		fmt.Fprintf(s.cfg.Out, "kept database %s: %s\n", s.db.Name, s.db.URL)
		return nil
	}
	s.cfg.Logger.Info("dropping bench database and its tenant roles", "database", s.db.Name)
	return s.db.Drop(ctx)
}

// end closes s and joins its error, if any, to *err: for a deferred call.
func (s *session) end(ctx context.Context, err *error) {
	*err = errors.Join(*err, s.close(ctx))
}
