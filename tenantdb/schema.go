package tenantdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/sqlquote"
)

// RoleName names the NOLOGIN role of tenant id in the database whose oid is
// dbOID. Roles are shared by every database of a cluster; the oid keeps two
// databases' tenants apart.
func RoleName(dbOID uint32, tenantID int64) string {
	return fmt.Sprintf("tenantry_%d_%d", dbOID, tenantID)
}

// RolePrefix is the prefix of every tenant role of the database dbOID, for
// finding them all (for example to drop them with a test database).
func RolePrefix(dbOID uint32) string { return fmt.Sprintf("tenantry_%d_", dbOID) }

// DatabaseOID returns the oid of the database q is connected to.
func DatabaseOID(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (uint32, error) {
	var oid uint32
	err := q.QueryRow(ctx, "SELECT oid FROM pg_database WHERE datname = current_database()").Scan(&oid)
	if err != nil {
		return 0, fmt.Errorf("read database oid: %w", err)
	}
	return oid, nil
}

// CreateSchema creates schema inside tx and, when role is not empty, the
// tenant's NOLOGIN role, which alone gets usage of the schema and the data
// privileges (not DDL) on what the current user creates in it from now on.
// The current user is made a member of the role so that it can enter it.
func CreateSchema(ctx context.Context, tx pgx.Tx, schema, role string) error {
	stmts := []string{"CREATE SCHEMA " + sqlquote.Ident(schema)}
	if role != "" {
		stmts = append([]string{
			"CREATE ROLE " + sqlquote.Ident(role) + " NOLOGIN NOINHERIT",
			"GRANT " + sqlquote.Ident(role) + " TO CURRENT_USER",
		}, stmts...)
		stmts = append(stmts, grantStatements(schema, role)...)
	}
	if _, err := tx.Exec(ctx, strings.Join(stmts, ";\n")); err != nil {
		return fmt.Errorf("create schema %s: %w", schema, err)
	}
	return nil
}

// Grant gives role the tenant privileges on schema: usage of the schema, and
// data privileges on its present tables, sequences and functions and on
// those the current user creates later. It is how a schema made without a
// role (a spare) is handed to a tenant.
func Grant(ctx context.Context, tx pgx.Tx, schema, role string) error {
	s, r := sqlquote.Ident(schema), sqlquote.Ident(role)
	stmts := append(grantStatements(schema, role),
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "+s+" TO "+r,
		"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA "+s+" TO "+r,
	)
	if _, err := tx.Exec(ctx, strings.Join(stmts, ";\n")); err != nil {
		return fmt.Errorf("grant schema %s to role %s: %w", schema, role, err)
	}
	return nil
}

func grantStatements(schema, role string) []string {
	s, r := sqlquote.Ident(schema), sqlquote.Ident(role)
	return []string{
		"GRANT USAGE ON SCHEMA " + s + " TO " + r,
		"ALTER DEFAULT PRIVILEGES IN SCHEMA " + s + " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " + r,
		"ALTER DEFAULT PRIVILEGES IN SCHEMA " + s + " GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO " + r,
	}
}

// DropSchema drops schema with everything in it and, when role is not
// empty, the tenant's role, inside tx: committed together or not at all.
func DropSchema(ctx context.Context, tx pgx.Tx, schema, role string) error {
	if _, err := tx.Exec(ctx, "DROP SCHEMA IF EXISTS "+sqlquote.Ident(schema)+" CASCADE"); err != nil {
		return fmt.Errorf("drop schema %s: %w", schema, err)
	}
	if role == "" {
		return nil
	}
	return dropRole(ctx, tx, role)
}

// dropRole drops a tenant's role. Once its schema is gone the role holds
// privileges nowhere else, unless an operator granted some; DROP OWNED BY
// clears those, but PostgreSQL allows it only to a login that has the
// role's privileges, which a NOINHERIT non-superuser login lacks. Then a
// plain DROP ROLE is tried, and fails (rolling the whole drop back) if the
// role was granted something outside its schema.
func dropRole(ctx context.Context, tx pgx.Tx, role string) error {
	var has bool
	if err := tx.QueryRow(ctx, "SELECT pg_has_role($1, 'USAGE')", role).Scan(&has); err != nil {
		return fmt.Errorf("drop role %s: %w", role, err)
	}
	sql := "DROP ROLE " + sqlquote.Ident(role)
	if has {
		sql = "DROP OWNED BY " + sqlquote.Ident(role) + ";\n" + sql
	}
	if _, err := tx.Exec(ctx, sql); err != nil {
		return fmt.Errorf("drop role %s: %w", role, err)
	}
	return nil
}
