package localpg

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// CreateDatabase creates the database name unless it already exists. Any
// name PostgreSQL accepts is fine (it is quoted, not interpreted) except one
// that is empty or holds a NUL byte; names longer than 63 bytes are
// truncated by the server, as everywhere in PostgreSQL.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	if name == "" || strings.ContainsRune(name, 0) {
		return fmt.Errorf("localpg: create database %q: name is empty or holds a NUL byte", name)
	}
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("localpg: create database %q: connect: %w", name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	if err != nil && !databaseExists(err) {
		return fmt.Errorf("localpg: create database %q: %w", name, err)
	}
	return nil
}

// databaseExists reports whether err says the database is already there:
// duplicate_database, or, when two sessions create it at once, a
// unique_violation on the catalog.
func databaseExists(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505")
}
