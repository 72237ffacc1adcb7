package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
)

// settings are read from the environment; see the README for each.
type settings struct {
	databaseURL   string   // DATABASE_URL
	listenURL     string   // TENANTRY_LISTEN_URL: a direct connection for LISTEN; default DATABASE_URL
	addr          string   // TENANTRY_ADDR, default :8000
	baseDomain    string   // TENANTRY_BASE_DOMAIN, default localhost
	staticSchemas []string // TENANTRY_STATIC_SCHEMAS, comma-separated; default main
	disableRoles  bool     // TENANTRY_DISABLE_ROLES=1 turns the per-tenant role layer off
	stateDir      string   // TENANTRY_DIR, default .tenantry
}

func (a *app) settings() settings {
	s := settings{
		databaseURL:  a.getenv("DATABASE_URL"),
		addr:         cmp.Or(a.getenv("TENANTRY_ADDR"), ":8000"),
		baseDomain:   strings.ToLower(cmp.Or(a.getenv("TENANTRY_BASE_DOMAIN"), "localhost")),
		disableRoles: a.getenv("TENANTRY_DISABLE_ROLES") == "1",
		stateDir:     cmp.Or(a.getenv("TENANTRY_DIR"), ".tenantry"),
	}
	s.listenURL = cmp.Or(a.getenv("TENANTRY_LISTEN_URL"), s.databaseURL)
	s.staticSchemas = []string{"main"}
	if v, ok := a.lookupEnv("TENANTRY_STATIC_SCHEMAS"); ok {
		s.staticSchemas = splitList(v)
	}
	return s
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// devURLFile holds, while "tenantry dev" runs, the URL of its cluster, so
// that other commands in the same directory reach it without DATABASE_URL.
const devURLFile = "database_url"

// resolveDatabase fills in s.databaseURL from a running dev cluster when
// DATABASE_URL is not set.
func (s *settings) resolveDatabase() error {
	if s.databaseURL != "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(s.stateDir, devURLFile))
	if errors.Is(err, os.ErrNotExist) {
		return usagef("DATABASE_URL is not set: set it to your PostgreSQL (postgres://user@host:5432/db), or start \"tenantry dev\" in this directory")
	}
	if err != nil {
		return fmt.Errorf("read the dev cluster's URL: %w", err)
	}
	s.databaseURL = strings.TrimSpace(string(b))
	s.listenURL = cmp.Or(s.listenURL, s.databaseURL)
	return nil
}

// deps are the library's parts, wired to one database.
type deps struct {
	settings    settings
	pool        *pgxpool.Pool
	registry    *registry.Registry
	db          *tenantdb.DB
	provisioner *provision.Provisioner
	fleet       *fleet.Fleet
}

// open connects to the database and wires the library to it. maxConns 0
// keeps pgx's default. The caller closes d.pool.
func (a *app) open(ctx context.Context, maxConns int32) (*deps, error) {
	s := a.settings()
	if err := s.resolveDatabase(); err != nil {
		return nil, err
	}
	return wire(ctx, s, maxConns, a.quietLogger())
}

func wire(ctx context.Context, s settings, maxConns int32, log *slog.Logger) (*deps, error) {
	if err := checkStaticSchemas(s.staticSchemas); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(s.databaseURL)
	if err != nil {
		return nil, usagef("DATABASE_URL: %v", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	return &deps{
		settings:    s,
		pool:        pool,
		registry:    registry.New(pool, &registry.Config{Logger: log}),
		db:          tenantdb.New(pool, &tenantdb.Config{DisableRoles: s.disableRoles}),
		provisioner: provision.New(pool, &provision.Config{StaticSchemas: s.staticSchemas, DisableRoles: s.disableRoles, Logger: log}),
		fleet:       fleet.New(pool, &fleet.Config{StaticSchemas: s.staticSchemas, Logger: log}),
	}, nil
}

// checkStaticSchemas refuses static schema names that are not plain
// identifiers or that would collide with public or a tenant's schema.
func checkStaticSchemas(names []string) error {
	for _, n := range names {
		if err := tenantry.ValidateSchemaName(n); err != nil {
			return usagef("TENANTRY_STATIC_SCHEMAS: %v", err)
		}
		if _, isTenant := tenantry.SlugFromSchema(n); n == "public" || isTenant || strings.HasPrefix(n, "_tenantry") {
			return usagef("TENANTRY_STATIC_SCHEMAS: %q is public, a tenant's or a spare's schema name", n)
		}
	}
	return nil
}
