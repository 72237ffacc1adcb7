package pgerr_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

func TestUnavailableClassifiesErrors(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("look up host a.test: %w", err) }
	code := func(c string) error { return wrap(&pgconn.PgError{Severity: "FATAL", Code: c}) }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"refused by the breaker", wrap(pgerr.ErrUnavailable), true},
		{"admin shutdown 57P01", code("57P01"), true},
		{"crash shutdown 57P02", code("57P02"), true},
		{"cannot connect now 57P03", code("57P03"), true},
		{"too many connections 53300", code("53300"), true},
		{"connection failure 08006", code("08006"), true},
		{"connection refused", wrap(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), true},
		{"connection reset", wrap(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), true},
		{"unexpected EOF", wrap(io.ErrUnexpectedEOF), true},
		{"EOF", wrap(io.EOF), true},
		{"conn closed", wrap(pgconn.ErrConnClosed), true},
		{"joined with a rollback error", errors.Join(code("57P01"), errors.New("rollback failed")), true},
		{"unique violation", code(pgerr.UniqueViolation), false},
		{"permission denied", code(pgerr.InsufficientPrivilege), false},
		{"bad password 28P01", code("28P01"), false},
		{"missing database 3D000", code("3D000"), false},
		{"statement timeout 57014", code("57014"), false},
		{"database dropped 57P04", code("57P04"), false},
		{"request cancelled", wrap(context.Canceled), false},
		{"request deadline", wrap(context.DeadlineExceeded), false},
		{"tenant not found", wrap(tenantry.ErrTenantNotFound), false},
		{"plain error", errors.New("boom"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := pgerr.Unavailable(tc.err); got != tc.want {
				t.Errorf("Unavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// TestUnavailableOnRealFailures classifies errors as pgx returns them from
// a real server, or from no server at all.
func TestUnavailableOnRealFailures(t *testing.T) {
	ctx := t.Context()
	admin := tenanttest.AdminURL(t)
	tests := []struct {
		name string
		err  func(t *testing.T) error
		want bool
	}{
		{"no server on the socket", func(t *testing.T) error {
			_, err := pgx.Connect(ctx, "postgres://app@/postgres?host="+url.QueryEscape(t.TempDir())+"&port=5432")
			return err
		}, true},
		{"no server on the port", func(t *testing.T) error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close() // nothing listens there now
			_, err = pgx.Connect(ctx, "postgres://app@"+addr+"/postgres?sslmode=disable")
			return err
		}, true},
		{"server never answers within connect_timeout", func(t *testing.T) error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close() // accepts (in the kernel's backlog) but never speaks
			_, err = pgx.Connect(ctx, "postgres://app@"+ln.Addr().String()+"/postgres?sslmode=disable&connect_timeout=1")
			return err
		}, true},
		{"backend terminated", func(t *testing.T) error {
			conn, err := pgx.Connect(ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			_, err = conn.Exec(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
			if err == nil {
				_, err = conn.Exec(ctx, "SELECT 1")
			}
			return err
		}, true},
		{"missing database", func(t *testing.T) error {
			u, err := url.Parse(admin)
			if err != nil {
				t.Fatal(err)
			}
			u.Path = "/no_such_database_here"
			_, err = pgx.Connect(ctx, u.String())
			return err
		}, false},
		{"closed pool", func(t *testing.T) error {
			pool, err := pgxpool.New(ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			pool.Close()
			return pool.Ping(ctx)
		}, false},
		{"syntax error", func(t *testing.T) error {
			conn, err := pgx.Connect(ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			_, err = conn.Exec(ctx, "SELEC 1")
			return err
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err(t)
			if err == nil {
				t.Fatal("no error")
			}
			if got := pgerr.Unavailable(err); got != tc.want {
				t.Errorf("Unavailable(%v) = %v, want %v", err, got, tc.want)
			}
		})
	}
}
