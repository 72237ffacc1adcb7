package export

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/migrations"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
)

// Config adjusts an Exporter. A nil *Config means the defaults.
type Config struct {
	// ConnString is the connection string pg_dump connects with (a
	// postgres:// URL or key=value pairs; pgx's own parameters are
	// removed). It must reach the database directly, not through a
	// transaction-mode pooler: pg_dump needs a session. Default: the
	// pool's.
	ConnString string
	// TenantMigrations is the set a tenant's schema is migrated with; an
	// import refuses archives with migrations it lacks and migrates older
	// ones forward with it. Default migrations.Tenant().
	TenantMigrations *migrate.Set
	// SharedMigrations is the set of the public schema, whose level an
	// archive records and an import checks. Default migrations.Shared().
	SharedMigrations *migrate.Set
	// Provisioner makes the imported tenant (provision.RestoreTx). Required
	// by Import; it must use TenantMigrations.
	Provisioner *provision.Provisioner
	// Application names the application in the manifests written. Default
	// none.
	Application string
	// PgDump and PgRestore are the paths of PostgreSQL's programs. Default:
	// found as localpg.FindTool finds them.
	PgDump, PgRestore string
	// TempDir holds an archive's members while one is written or read.
	// Default: the directory of the archive for WriteFile and Import,
	// os.TempDir() otherwise.
	TempDir string
	// Logger receives a line per archive written or imported. Default:
	// discard.
	Logger *slog.Logger
}

// Exporter writes tenants to archives and imports archives as tenants. It
// is safe for concurrent use.
type Exporter struct {
	pool *pgxpool.Pool
	cfg  Config
	log  *slog.Logger
}

// New returns an Exporter on pool.
func New(pool *pgxpool.Pool, cfg *Config) *Exporter {
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	if c.ConnString == "" {
		c.ConnString = pool.Config().ConnString()
	}
	if c.TenantMigrations == nil {
		c.TenantMigrations = migrations.Tenant()
	}
	if c.SharedMigrations == nil {
		c.SharedMigrations = migrations.Shared()
	}
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Exporter{pool: pool, cfg: c, log: log}
}

// WriteFile writes the tenant named by ref (slug, schema, domain or id) to
// the archive path, and returns its manifest. The archive appears at path
// whole or not at all: it is written beside it under another name, synced,
// then renamed. It returns an error wrapping tenantry.ErrTenantNotFound for
// an unknown tenant and tenantry.ErrTenantDeleting for one being deleted.
func (e *Exporter) WriteFile(ctx context.Context, ref, path string) (*Manifest, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".part-")
	if err != nil {
		return nil, fmt.Errorf("export to %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	m, err := e.write(ctx, ref, f, cmpDir(e.cfg.TempDir, dir))
	if err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("export to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("export to %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return nil, fmt.Errorf("export to %s: %w", path, err)
	}
	done = true
	err = audit.Record(ctx, e.pool, audit.Event{TenantID: m.Tenant.ID, Action: audit.TenantExported, Target: m.Tenant.Slug,
		Details: map[string]any{"file": filepath.Base(path), "digest": m.Digest, "level": m.Level}})
	if err != nil {
		e.log.Warn("tenant exported, but not recorded in the audit log", "tenant", m.Tenant.Slug, "err", err)
	}
	e.log.Info("tenant exported", "tenant", m.Tenant.Slug, "file", path, "level", m.Level, "members", len(m.Members))
	return m, nil
}

// Write writes the tenant named by ref to w as an archive (see WriteFile).
func (e *Exporter) Write(ctx context.Context, ref string, w io.Writer) (*Manifest, error) {
	return e.write(ctx, ref, w, cmpDir(e.cfg.TempDir, os.TempDir()))
}

func (e *Exporter) write(ctx context.Context, ref string, w io.Writer, tmp string) (*Manifest, error) {
	tl, err := findTools(&e.cfg)
	if err != nil {
		return nil, err
	}
	t, err := registry.Find(ctx, e.pool, ref)
	if err != nil {
		return nil, err
	}
	if t.Deleting() {
		return nil, fmt.Errorf("export tenant %s: %w", t.Slug, tenantry.ErrTenantDeleting)
	}
	s, err := newStaging(tmp)
	if err != nil {
		return nil, err
	}
	defer s.remove()
	snap, err := e.snapshot(ctx, tl, t, s)
	if err != nil {
		return nil, fmt.Errorf("export tenant %s: %w", t.Slug, err)
	}
	m, err := snap.stage(s)
	if err != nil {
		return nil, fmt.Errorf("export tenant %s: %w", t.Slug, err)
	}
	m.Application, m.DumpVersion = e.cfg.Application, version(ctx, tl.pgDump)
	if err := s.writeArchive(w, m); err != nil {
		return nil, fmt.Errorf("export tenant %s: %w", t.Slug, err)
	}
	return m, nil
}

func cmpDir(dirs ...string) string {
	for _, d := range dirs {
		if d != "" {
			return d
		}
	}
	return "."
}
