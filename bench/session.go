package bench

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// session is one benchmark run: its configuration, its own database and a
// pool on it.
type session struct {
	cfg  Config
	db   *database
	pool *pgxpool.Pool
}

// start creates the run's database, migrates its public schema and opens a
// pool of conns connections on it.
func start(ctx context.Context, cfg *Config, conns int) (*session, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	db, err := createDatabase(ctx, c.AdminURL)
	if err != nil {
		return nil, err
	}
	s := &session{cfg: c, db: db}
	c.Logger.Info("bench database created", "database", db.name)
	if s.pool, err = db.open(ctx, conns); err == nil {
		err = migrateShared(ctx, s.pool)
	}
	if err != nil {
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
		fmt.Fprintf(s.cfg.Out, "kept database %s: %s\n", s.db.name, s.db.url)
		return nil
	}
	s.cfg.Logger.Info("dropping bench database and its tenant roles", "database", s.db.name)
	return s.db.drop(ctx)
}

// end closes s and joins its error, if any, to *err: for a deferred call.
func (s *session) end(ctx context.Context, err *error) {
	*err = errors.Join(*err, s.close(ctx))
}
