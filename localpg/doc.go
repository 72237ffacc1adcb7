// Package localpg runs a private PostgreSQL cluster from the machine's own
// server binaries, for `tenantry dev` and for tests that want a real database
// without any setup.
//
// Start initialises a cluster in a directory on first use (initdb, trust
// authentication, UTF8, C locale), starts postgres as a child process that
// listens only on a Unix socket, and returns once the server accepts
// connections. Starting again on the same directory reuses the data:
//
//	c, err := localpg.Start(ctx, &localpg.Config{Dir: ".tenantry/pg"})
//	if err != nil {
//		return err
//	}
//	defer c.Stop()
//	pool, err := pgxpool.New(ctx, c.URL("postgres"))
//
// The server is tuned for throwaway data: fsync is off, so a machine crash
// (not a process crash) can corrupt the cluster.
//
// When the process runs as root, initdb and postgres, which refuse to run as
// root, run as the "postgres" system user instead, and Start fails if there
// is no such user. The cluster directory is handed to that user (chown -R),
// so it must hold nothing but the cluster, and every directory above it must
// be traversable by that user. Start refuses a directory the user cannot
// reach, naming the blocking parent, rather than moving the data elsewhere,
// so that all of a cluster's files stay under Dir and go away with it. A
// private parent such as /root or the 0700 directory of Go's t.TempDir is
// the usual culprit.
//
// The package works on Unix systems. On Linux the server is also asked to
// shut down when the process that started it dies, even by SIGKILL.
package localpg
