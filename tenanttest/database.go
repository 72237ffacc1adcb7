package tenanttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/tenantdb"
)

// Options adjust NewDatabase. The zero value is a database owned by the
// server's superuser.
type Options struct {
	// NonSuperuser makes the database's owner, and the login of the URL
	// returned, a new role with LOGIN NOINHERIT CREATEROLE and no superuser
	// rights: how an application should log in in production.
	NonSuperuser bool
}

// NewDatabase creates a database migrated with the shared set and returns
// its URL. The database, its tenants' roles and its owner role (with
// NonSuperuser) are dropped when t ends.
func NewDatabase(t testing.TB, opts *Options) string {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	admin := AdminURL(t)
	ctx := context.Background()
	name := "tenantry_test_" + randomHex(6)
	owner := ""
	if opts.NonSuperuser {
		owner = name + "_app"
	}
	if err := createDatabase(ctx, admin, name, owner); err != nil {
		t.Fatalf("tenanttest: %v", err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(context.Background(), admin, name, owner); err != nil {
			t.Errorf("tenanttest: %v", err)
		}
	})
	u := withDatabase(admin, name, owner)
	if err := migrateShared(ctx, u); err != nil {
		t.Fatalf("tenanttest: migrate %s: %v", name, err)
	}
	return u
}

// Pool returns a pool on url, closed when t ends.
func Pool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatalf("tenanttest: %v", err)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("tenanttest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func createDatabase(ctx context.Context, admin, name, owner string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect to test server: %w", err)
	}
	defer conn.Close(ctx)
	sql := "CREATE DATABASE " + sqlquote.Ident(name)
	if owner != "" {
		if _, err := conn.Exec(ctx, "CREATE ROLE "+sqlquote.Ident(owner)+" LOGIN NOINHERIT CREATEROLE"); err != nil {
			return fmt.Errorf("create role %s: %w", owner, err)
		}
		sql += " OWNER " + sqlquote.Ident(owner)
	}
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	if owner == "" {
		return nil
	}
	return ownPublic(ctx, withDatabase(admin, name, ""), owner)
}

// ownPublic hands the public schema to owner. A NOINHERIT owner of a
// database cannot use the rights it gets through pg_database_owner, which
// owns public by default; the application's login role must own public (or
// be granted CREATE on it) to run the shared migrations.
func ownPublic(ctx context.Context, dbURL, owner string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("connect to new database: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "ALTER SCHEMA public OWNER TO "+sqlquote.Ident(owner)); err != nil {
		return fmt.Errorf("give schema public to %s: %w", owner, err)
	}
	return nil
}

// dropDatabase drops the database, then the roles of its tenants and its
// owner, which outlive it otherwise: roles belong to the whole cluster.
func dropDatabase(ctx context.Context, admin, name, owner string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect to test server: %w", err)
	}
	defer conn.Close(ctx)
	var oid uint32
	if err := conn.QueryRow(ctx, "SELECT oid FROM pg_database WHERE datname = $1", name).Scan(&oid); err != nil {
		return fmt.Errorf("find database %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "DROP DATABASE "+sqlquote.Ident(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	rows, _ := conn.Query(ctx, "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) OR rolname = $2",
		tenantdb.RolePrefix(oid), owner)
	roles, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list roles of %s: %w", name, err)
	}
	for _, r := range roles {
		if _, err := conn.Exec(ctx, "DROP ROLE "+sqlquote.Ident(r)); err != nil {
			return fmt.Errorf("drop role %s: %w", r, err)
		}
	}
	return nil
}

func migrateShared(ctx context.Context, url string) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	f := fleet.New(pool, nil)
	report, err := f.Migrate(ctx, []fleet.Schema{{Name: "public", Kind: fleet.KindPublic}}, nil)
	if err != nil {
		return err
	}
	if !report.OK() {
		return report.Failures()[0].Err
	}
	return nil
}

// withDatabase returns admin with its database (and user, when not empty)
// replaced.
func withDatabase(admin, db, user string) string {
	u, err := url.Parse(admin)
	if err != nil {
		panic(fmt.Sprintf("tenanttest: admin URL %q: %v", admin, err))
	}
	u.Path = "/" + db
	if user != "" {
		u.User = url.User(user)
	}
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b)
}
