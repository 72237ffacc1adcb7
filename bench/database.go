package bench

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
	"github.com/tenantry/tenantry/tenantdb"
)

// database is the benchmark's own database on the server.
type database struct {
	admin string // URL of the maintenance database
	name  string // tenantry_bench_<random>
	url   string // URL of the benchmark database
}

// createDatabase creates a fresh benchmark database and migrates its public
// schema with the shared set.
func createDatabase(ctx context.Context, admin string) (*database, error) {
	db := &database{admin: admin, name: "tenantry_bench_" + randomHex(6)}
	u, err := url.Parse(admin)
	if err != nil {
		return nil, fmt.Errorf("bench: parse admin URL: %w", err)
	}
	u.Path = "/" + db.name
	db.url = u.String()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, fmt.Errorf("bench: connect to admin database: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+sqlquote.Ident(db.name)); err != nil {
		return nil, fmt.Errorf("bench: create database %s: %w", db.name, err)
	}
	return db, nil
}

// open returns a pool on the benchmark database with room for conns
// connections at once.
func (db *database) open(ctx context.Context, conns int) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(db.url)
	if err != nil {
		return nil, fmt.Errorf("bench: parse URL of %s: %w", db.name, err)
	}
	cfg.MaxConns = int32(max(conns, 4))
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("bench: open pool on %s: %w", db.name, err)
	}
	return pool, nil
}

// migrateShared applies the shared set to public, as tenantry migrate does.
func migrateShared(ctx context.Context, pool *pgxpool.Pool) error {
	report, err := fleet.New(pool, nil).Migrate(ctx, []fleet.Schema{{Name: "public", Kind: fleet.KindPublic}}, nil)
	if err != nil {
		return fmt.Errorf("bench: migrate public: %w", err)
	}
	if !report.OK() {
		return fmt.Errorf("bench: migrate public: %w", report.Failures()[0].Err)
	}
	return nil
}

// drop drops the database, then its tenants' roles, which belong to the
// whole cluster and would outlive it. It uses its own deadline, so that a
// cancelled run still cleans up.
func (db *database) drop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, db.admin)
	if err != nil {
		return fmt.Errorf("bench: connect to admin database: %w", err)
	}
	defer conn.Close(ctx)
	var oid uint32
	if err := conn.QueryRow(ctx, "SELECT oid FROM pg_database WHERE datname = $1", db.name).Scan(&oid); err != nil {
		return fmt.Errorf("bench: find database %s: %w", db.name, err)
	}
	if _, err := conn.Exec(ctx, "DROP DATABASE "+sqlquote.Ident(db.name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("bench: drop database %s: %w", db.name, err)
	}
	return dropRoles(ctx, conn, tenantdb.RolePrefix(oid))
}

// dropRoles drops every role whose name starts with prefix, a few hundred
// per round trip.
func dropRoles(ctx context.Context, conn *pgx.Conn, prefix string) error {
	rows, _ := conn.Query(ctx, "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)", prefix)
	roles, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("bench: list tenant roles %s*: %w", prefix, err)
	}
	const batch = 500
	for i := 0; i < len(roles); i += batch {
		stmts := make([]string, 0, batch)
		for _, r := range roles[i:min(i+batch, len(roles))] {
			stmts = append(stmts, "DROP ROLE "+sqlquote.Ident(r))
		}
		if _, err := conn.Exec(ctx, strings.Join(stmts, ";\n")); err != nil {
			return fmt.Errorf("bench: drop tenant roles %s*: %w", prefix, err)
		}
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b)
}
