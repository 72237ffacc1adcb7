// Package scratchdb makes and removes throwaway databases on a PostgreSQL
// server, for the tests (tenanttest) and the benchmarks (bench). A scratch
// database has the shared migrations applied; dropping it drops its
// tenants' roles too, since roles belong to the whole cluster and would
// outlive it.
package scratchdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/tenantdb"
)

// Options adjust Create.
type Options struct {
	// Prefix starts the database's name, followed by random hex.
	Prefix string
	// NonSuperuser makes the database's owner, and the login of its URL, a
	// new role with LOGIN NOINHERIT CREATEROLE and no superuser rights: how
	// an application should log in in production. It also owns public.
	NonSuperuser bool
	// Shared is the shared migration set applied. Default
	// migrations.Shared().
	Shared *migrate.Set
}

// DB is a scratch database.
type DB struct {
	Name  string // its name
	URL   string // a URL to it, as its owner
	admin string // the maintenance database it was created from
	owner string // its own owner role, with NonSuperuser
}

// dropTimeout bounds Drop, which runs even after its caller was cancelled.
const dropTimeout = 10 * time.Minute

// Create makes a database on the server of adminURL (a maintenance database
// such as postgres, with rights to create databases and roles) and applies
// the shared migrations to it.
func Create(ctx context.Context, adminURL string, opts Options) (*DB, error) {
	db := &DB{Name: opts.Prefix + randomHex(6), admin: adminURL}
	if opts.NonSuperuser {
		db.owner = db.Name + "_app"
	}
	var err error
	if db.URL, err = withDatabase(adminURL, db.Name, db.owner); err != nil {
		return nil, err
	}
	if err := db.create(ctx); err != nil {
		return nil, err
	}
	if err := migrateShared(ctx, db.URL, opts.Shared); err != nil {
		return nil, fmt.Errorf("migrate %s: %w", db.Name, err)
	}
	return db, nil
}

func (db *DB) create(ctx context.Context) error {
	err := db.onAdmin(ctx, db.admin, func(conn *pgx.Conn) error {
		sql := "CREATE DATABASE " + sqlquote.Ident(db.Name)
		if db.owner != "" {
			if _, err := conn.Exec(ctx, "CREATE ROLE "+sqlquote.Ident(db.owner)+" LOGIN NOINHERIT CREATEROLE"); err != nil {
				return fmt.Errorf("create role %s: %w", db.owner, err)
			}
			sql += " OWNER " + sqlquote.Ident(db.owner)
		}
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("create database %s: %w", db.Name, err)
		}
		return nil
	})
	if err != nil || db.owner == "" {
		return err
	}
	// A NOINHERIT owner of a database cannot use the rights it gets through
	// pg_database_owner, which owns public by default: hand public to it.
	asAdmin, err := withDatabase(db.admin, db.Name, "")
	if err != nil {
		return err
	}
	return db.onAdmin(ctx, asAdmin, func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "ALTER SCHEMA public OWNER TO "+sqlquote.Ident(db.owner))
		return err
	})
}

// Drop drops the database, then the roles of its tenants and its owner. It
// has a deadline of its own, so that a cancelled run still cleans up.
func (db *DB) Drop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dropTimeout)
	defer cancel()
	return db.onAdmin(ctx, db.admin, func(conn *pgx.Conn) error {
		var oid uint32
		if err := conn.QueryRow(ctx, "SELECT oid FROM pg_database WHERE datname = $1", db.Name).Scan(&oid); err != nil {
			return fmt.Errorf("find database %s: %w", db.Name, err)
		}
		if _, err := conn.Exec(ctx, "DROP DATABASE "+sqlquote.Ident(db.Name)+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop database %s: %w", db.Name, err)
		}
		return dropRoles(ctx, conn, []string{tenantdb.RolePrefix(oid), tenantdb.SpareRolePrefix(oid)}, db.owner)
	})
}

func (db *DB) onAdmin(ctx context.Context, url string, fn func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to %s's server: %w", db.Name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return fn(conn)
}

// dropRoles drops the roles whose names start with one of prefixes, and
// owner, a few hundred per round trip.
func dropRoles(ctx context.Context, conn *pgx.Conn, prefixes []string, owner string) error {
	rows, _ := conn.Query(ctx, "SELECT rolname FROM pg_roles WHERE EXISTS (SELECT FROM unnest($1::text[]) p WHERE starts_with(rolname, p)) OR rolname = $2", prefixes, owner)
	roles, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list roles %s*: %w", prefixes, err)
	}
	const batch = 500
	for i := 0; i < len(roles); i += batch {
		stmts := make([]string, 0, batch)
		for _, r := range roles[i:min(i+batch, len(roles))] {
			stmts = append(stmts, "DROP ROLE "+sqlquote.Ident(r))
		}
		if _, err := conn.Exec(ctx, strings.Join(stmts, ";\n")); err != nil {
			return fmt.Errorf("drop roles %s*: %w", prefixes, err)
		}
	}
	return nil
}

func migrateShared(ctx context.Context, url string, shared *migrate.Set) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	report, err := fleet.New(pool, &fleet.Config{Shared: shared}).Migrate(ctx, []fleet.Schema{{Name: "public", Kind: fleet.KindPublic}}, nil)
	if err != nil {
		return err
	}
	if !report.OK() {
		return report.Failures()[0].Err
	}
	return nil
}

// withDatabase returns base with its database (and user, when not empty)
// replaced.
func withDatabase(base, db, user string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("parse server URL: %w", err)
	}
	u.Path = "/" + db
	if user != "" {
		u.User = url.User(user)
	}
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on Linux
	return hex.EncodeToString(b)
}
