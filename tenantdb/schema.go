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
		stmts = append(roleStatements(role), stmts...)
		stmts = append(stmts, grantStatements(schema, role)...)
	}
	if _, err := tx.Exec(ctx, strings.Join(stmts, ";\n")); err != nil {
		return fmt.Errorf("create schema %s: %w", schema, err)
	}
	return nil
}

// Grant gives role the tenant privileges on schema: usage of the schema, and
// data privileges on its present tables (views included) and sequences and
// on those the current user creates later. Functions keep PostgreSQL's
// default (EXECUTE for everyone), as in a schema made by CreateSchema.
func Grant(ctx context.Context, tx pgx.Tx, schema, role string) error {
	stmts, err := grantAllStatements(ctx, tx, schema, schema, role)
	if err == nil {
		_, err = tx.Exec(ctx, strings.Join(stmts, ";\n"))
	}
	if err != nil {
		return fmt.Errorf("grant schema %s to role %s: %w", schema, role, err)
	}
	return nil
}

// AdoptSchema renames spare, a schema the current user made and migrated
// without a tenant role (AdoptSchemaAndRole is for one made with a role), to schema and, when role is not empty, creates the
// tenant's role and grants it what CreateSchema would have, on what the
// schema holds already and on what is created in it later: the schema ends
// as CreateSchema and the same migrations would have left it. It costs two
// round trips inside tx, whatever the number of schemas in the database;
// the current user must own spare.
func AdoptSchema(ctx context.Context, tx pgx.Tx, spare, schema, role string) error {
	stmts := []string{"ALTER SCHEMA " + sqlquote.Ident(spare) + " RENAME TO " + sqlquote.Ident(schema)}
	if role != "" {
		grants, err := grantAllStatements(ctx, tx, spare, schema, role)
		if err != nil {
			return fmt.Errorf("make schema %s from spare %s: %w", schema, spare, err)
		}
		stmts = append(append(stmts, roleStatements(role)...), grants...)
	}
	if _, err := tx.Exec(ctx, strings.Join(stmts, ";\n")); err != nil {
		return fmt.Errorf("make schema %s from spare %s: %w", schema, spare, err)
	}
	return nil
}

// SpareRolePrefix begins the name of the role a spare schema is made with
// (provision's spare pool): tenantry_spare_<database oid>_. Such a role is
// renamed to the tenant's (RoleName) when its spare becomes a tenant.
func SpareRolePrefix(dbOID uint32) string { return fmt.Sprintf("tenantry_spare_%d_", dbOID) }

// AdoptSchemaAndRole renames spare to schema and spareRole to role, inside
// tx, in one round trip: the spare was made by CreateSchema with spareRole
// (or Grant to it) and migrated since, so the role already holds every
// privilege the tenant's role needs, on what the schema holds and on what
// is created in it later. Privileges, memberships and default privileges
// name roles and schemas by oid, so both renames keep them: the result is
// what CreateSchema with role and the same migrations make, without
// writing a privilege of each of its tables during the create.
func AdoptSchemaAndRole(ctx context.Context, tx pgx.Tx, spare, spareRole, schema, role string) error {
	sql := "ALTER SCHEMA " + sqlquote.Ident(spare) + " RENAME TO " + sqlquote.Ident(schema) +
		";\nALTER ROLE " + sqlquote.Ident(spareRole) + " RENAME TO " + sqlquote.Ident(role)
	if _, err := tx.Exec(ctx, sql); err != nil {
		return fmt.Errorf("make schema %s and role %s from spare %s: %w", schema, role, spare, err)
	}
	return nil
}

// DisownSchema takes from role every privilege Grant or CreateSchema gave
// it on schema, present and default, then drops role, inside tx: for a
// spare made with a role that becomes a tenant of a database whose role
// layer is off.
func DisownSchema(ctx context.Context, tx pgx.Tx, schema, role string) error {
	s, r := sqlquote.Ident(schema), sqlquote.Ident(role)
	stmts := []string{
		"REVOKE ALL ON ALL TABLES IN SCHEMA " + s + " FROM " + r,
		"REVOKE ALL ON ALL SEQUENCES IN SCHEMA " + s + " FROM " + r,
		"REVOKE ALL ON SCHEMA " + s + " FROM " + r,
		"ALTER DEFAULT PRIVILEGES IN SCHEMA " + s + " REVOKE ALL ON TABLES FROM " + r,
		"ALTER DEFAULT PRIVILEGES IN SCHEMA " + s + " REVOKE ALL ON SEQUENCES FROM " + r,
		"DROP ROLE " + r,
	}
	if _, err := tx.Exec(ctx, strings.Join(stmts, ";\n")); err != nil {
		return fmt.Errorf("take role %s off schema %s: %w", role, schema, err)
	}
	return nil
}

// roleStatements create a tenant's NOLOGIN role and make the current user a
// member, so that it can enter the role.
func roleStatements(role string) []string {
	return []string{
		"CREATE ROLE " + sqlquote.Ident(role) + " NOLOGIN NOINHERIT",
		"GRANT " + sqlquote.Ident(role) + " TO CURRENT_USER",
	}
}

// grantAllStatements are grantStatements plus the data privileges on the
// tables and sequences that the schema now called current already holds,
// named as they will be in schema (the name after a rename).
//
// The relations are named one by one rather than with GRANT ... ON ALL
// TABLES IN SCHEMA, which reads the whole of pg_class once per kind of
// relation, a cost that grows with every tenant's tables. They are found
// through the schema's dependencies, which are indexed.
func grantAllStatements(ctx context.Context, tx pgx.Tx, current, schema, role string) ([]string, error) {
	rows, _ := tx.Query(ctx, `SELECT c.relname::text, c.relkind = 'S' FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
		WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = (SELECT oid FROM pg_namespace WHERE nspname = $1)
		AND d.classid = 'pg_class'::regclass AND d.objsubid = 0 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
		ORDER BY c.oid`, current)
	var tables, sequences []string
	var name string
	var isSequence bool
	_, err := pgx.ForEachRow(rows, []any{&name, &isSequence}, func() error {
		if isSequence {
			sequences = append(sequences, sqlquote.Ident(schema, name))
		} else {
			tables = append(tables, sqlquote.Ident(schema, name))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the tables and sequences of schema %s: %w", current, err)
	}
	stmts := grantStatements(schema, role)
	r := sqlquote.Ident(role)
	if len(tables) > 0 {
		stmts = append(stmts, "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "+strings.Join(tables, ", ")+" TO "+r)
	}
	if len(sequences) > 0 {
		stmts = append(stmts, "GRANT USAGE, SELECT, UPDATE ON SEQUENCE "+strings.Join(sequences, ", ")+" TO "+r)
	}
	return stmts, nil
}

// grantStatements give role usage of schema and, by default privileges,
// the data privileges on what the current user creates in it from now on.
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
