// Package pgbouncer runs a PgBouncer in transaction pooling mode as a child
// process, in front of a PostgreSQL server, so that tests can prove that
// tenant isolation holds when clients share server connections.
//
// Start writes a configuration (pool_mode=transaction, a small
// default_pool_size, trust authentication, a wildcard database entry that
// forwards every database name to the server), starts the machine's
// pgbouncer on a free port of 127.0.0.1 and returns once it listens:
//
//	b, err := pgbouncer.Start(ctx, &pgbouncer.Config{Server: adminURL})
//	if err != nil {
//		return err
//	}
//	defer b.Stop()
//	url, err := b.URL(databaseURL) // the same database and user, through b
//
// Clients need no password: PgBouncer looks every login up in pg_roles
// through the server URL's user (auth_query) and logs into the server as
// that login without a password, which works on the servers tests use (the
// private cluster's socket, or another server that trusts its clients). The
// server URL's own password, if any, is given to PgBouncer for its user.
//
// When this process is root, pgbouncer, which refuses to run as root, runs
// as the "postgres" system user, as localpg does for postgres. Its
// configuration lives in a temporary directory only until it has been read,
// and on Linux the kernel stops PgBouncer (SIGTERM) when the thread that
// started it ends, so nothing is left behind even when the test binary is
// killed.
//
// Why a package of its own, and internal: localpg runs the PostgreSQL that
// `tenantry dev` and applications' tests use, and is public API; PgBouncer
// serves only Tenantry's own test harness (tenanttest.PgBouncerURL, leak
// hunts, benchmarks), holds no data and has a lifecycle of its own (a fresh
// process and port per test binary, never reused across runs). Keeping it
// out of localpg keeps that API to what dev needs; the little it shares with
// localpg (running a child as the postgres user with a parent-death signal)
// is repeated here rather than exported from there.
package pgbouncer
