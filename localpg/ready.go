package localpg

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// readyTimeout bounds the wait for a new server to accept connections.
	readyTimeout = 30 * time.Second
	// readyPoll is the pause between connection attempts.
	readyPoll = 25 * time.Millisecond
)

// errNotReady is the cause of a wait that ran out of time.
var errNotReady = fmt.Errorf("postgres did not accept connections within %s", readyTimeout)

// waitReady returns once the server accepts a connection to the postgres
// database, or fails when the server exits, ctx ends or readyTimeout passes.
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeoutCause(ctx, readyTimeout, errNotReady)
	defer cancel()
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	for {
		err := c.ping(ctx)
		if err == nil {
			return nil
		}
		if !retryable(err) {
			return c.startError(err)
		}
		select {
		case <-c.done:
			return c.startError(exitedDuringStartup(c.Err()))
		case <-ctx.Done():
			return c.startError(fmt.Errorf("%w (last attempt: %w)", context.Cause(ctx), err))
		case <-tick.C:
		}
	}
}

// ping opens and closes one connection.
func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// retryable reports whether a failed connection may succeed later: the
// server is not listening yet, or answers that it is starting up
// (cannot_connect_now). A refusal such as an unknown role (a User other than
// the one the cluster was created with) will not change.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return !errors.As(err, &pgErr) || pgErr.Code == "57P03"
}

// exitedDuringStartup describes a server that exited before it was ready;
// exitErr is nil if it exited with status 0.
func exitedDuringStartup(exitErr error) error {
	if exitErr == nil {
		return errors.New("postgres exited during startup")
	}
	return fmt.Errorf("during startup: %w", exitErr)
}

// startError adds the cluster directory and the end of the server log.
func (c *Cluster) startError(err error) error {
	return fmt.Errorf("localpg: start postgres in %s: %w\nserver log ends with:\n%s", c.dir, err, c.log.lastLines(20))
}
