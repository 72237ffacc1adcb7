package fleet

import (
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/migrations"
)

// Config adjusts a Fleet. A nil *Config means the defaults.
type Config struct {
	// Shared is the set applied to public. Default migrations.Shared().
	Shared *migrate.Set
	// Tenant is the set applied to static, dynamic and spare schemas.
	// Default migrations.Tenant().
	Tenant *migrate.Set
	// StaticSchemas are migrated like tenants and created when missing.
	// Default none.
	StaticSchemas []string
	// Logger receives one line per failed schema. Default: discard.
	Logger *slog.Logger
}

// Fleet runs migrations and SQL across the schemas of one database. It is
// safe for concurrent use; concurrent runs on the same schemas serialise on
// each schema's advisory lock.
type Fleet struct {
	pool *pgxpool.Pool
	cfg  Config
}

// New returns a Fleet working through pool. Runs use at most as many
// connections at once as the pool allows.
func New(pool *pgxpool.Pool, cfg *Config) *Fleet {
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	if c.Shared == nil {
		c.Shared = migrations.Shared()
	}
	if c.Tenant == nil {
		c.Tenant = migrations.Tenant()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Fleet{pool: pool, cfg: c}
}

// setFor returns the migration set of a schema kind.
func (f *Fleet) setFor(k Kind) *migrate.Set {
	if k == KindPublic {
		return f.cfg.Shared
	}
	return f.cfg.Tenant
}
