package tenanttest

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/internal/scratchdb"
)

// NewExample is Setup for runnable Example functions, which have no
// testing.T: a fresh database on the test server (see Main) with the
// library's parts wired to it. Call the returned function when done: it
// closes the pool and drops the database and its tenants' roles. On error
// it prints the reason and exits, as an example cannot fail otherwise.
func NewExample(opts *Options) (*Env, func()) {
	env, done, err := newExample(context.Background(), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return env, done
}

func newExample(ctx context.Context, opts *Options) (*Env, func(), error) {
	server.once.Do(startServer)
	if server.err != nil {
		return nil, nil, fmt.Errorf("tenanttest: %w", server.err)
	}
	if opts == nil {
		opts = &Options{}
	}
	sets, err := opts.appSets()
	if err != nil {
		return nil, nil, err
	}
	admin := opts.AdminURL
	if admin == "" {
		admin = server.adminDB
	}
	db, err := scratchdb.Create(ctx, admin, scratchdb.Options{Prefix: "tenantry_example_",
		NonSuperuser: opts.NonSuperuser, Shared: sets.Shared})
	if err != nil {
		return nil, nil, fmt.Errorf("tenanttest: %w", err)
	}
	pool, err := pgxpool.New(ctx, db.URL)
	if err != nil {
		_ = db.Drop(ctx)
		return nil, nil, fmt.Errorf("tenanttest: %w", err)
	}
	done := func() {
		pool.Close()
		if err := db.Drop(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "tenanttest:", err)
		}
	}
	return wire(db.URL, pool, sets, opts), done, nil
}
