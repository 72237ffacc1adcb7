package pgerr

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrUnavailable is returned, wrapped, by a connection attempt that was
// refused without dialling because the database was found unreachable a
// moment ago (see internal/pgbreaker).
var ErrUnavailable = errors.New("database unavailable")

// SQLSTATEs that mean the server is going away, coming back or refusing
// connections: the request may succeed if retried shortly.
var unavailableCodes = map[string]bool{
	"57P01": true, // admin_shutdown: terminated by a fast or smart shutdown
	"57P02": true, // crash_shutdown: another backend crashed
	"57P03": true, // cannot_connect_now: starting up, shutting down, in recovery
	"53300": true, // too_many_connections
	"08000": true, // connection_exception
	"08001": true, // sqlclient_unable_to_establish_sqlconnection
	"08003": true, // connection_does_not_exist
	"08004": true, // sqlserver_rejected_establishment_of_sqlconnection
	"08006": true, // connection_failure
}

// Unavailable reports whether err means the database could not be reached
// or went away: a refused, reset or timed-out connection, a connection lost
// mid-query, a server shutting down or starting up, or ErrUnavailable. Such
// a failure is the database's state, not a fault of the request or of the
// code, and is answered 503 with Retry-After. A PostgreSQL error decides by
// its SQLSTATE alone, so that an authentication failure or a missing
// database, which retrying will not cure, is not taken for an outage. A
// closed pool (the server shutting down) is not an outage either.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return unavailableCodes[pgErr.Code]
	}
	return connectionLost(err)
}

// connectionLost reports whether err is a transport failure: the dial
// failed (refused, no socket, no route, DNS, connect timeout) or the
// connection broke (reset, EOF, closed by an earlier failure). A cancelled
// or expired context is the caller's, unless it bounded a connection
// attempt (connect_timeout); a failure to connect that is neither a
// PostgreSQL nor a network error, such as a TLS verification failure, is
// configuration, not an outage.
func connectionLost(err error) bool {
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	switch {
	case errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, context.DeadlineExceeded): // also a net.Error
		return errors.As(err, &connectErr)
	case errors.As(err, &netErr):
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, pgconn.ErrConnClosed)
}
