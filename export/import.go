package export

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
)

// ImportRequest describes the tenant an archive becomes.
type ImportRequest struct {
	// Slug is the new tenant's slug (required): its schema is
	// tenant_<slug>.
	Slug string
	// Domain is its primary domain (required).
	Domain string
	// Name is its display name. Default: the archived tenant's.
	Name string
	// KeepDomains restores the archive's other domains and its email
	// domains too, which fails (tenantry.ErrDomainTaken) while another
	// tenant, such as the original, has them. Default false: a copy has
	// Domain only and claims no email domain.
	KeepDomains bool
}

// Imported is what Import did.
type Imported struct {
	Tenant   *tenantry.Tenant
	Manifest *Manifest
	// From and To are the schema's migration level in the archive and
	// after the import (higher when migrations were applied).
	From, To int
}

// ImportFile is Import of the archive at path.
func (e *Exporter) ImportFile(ctx context.Context, path string, req ImportRequest) (*Imported, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	defer f.Close()
	return e.importFrom(ctx, f, req, cmpDir(e.cfg.TempDir, filepath.Dir(path)))
}

// Import restores the archive read from r as a new tenant, in one
// transaction, and returns it. First the whole archive is read and checked:
// a damaged one is refused (ErrCorrupt), as is one of another major format
// version (ErrFormatVersion), one whose schema has migrations this binary
// lacks (ErrNewer) or knows with other checksums (ErrMigrationMismatch).
// Then, in one transaction: the tenant's registry row (a fresh id, the
// archived name, locale, time zone, currency, plan and features), its
// NOLOGIN role, its schema made as provisioning makes it and filled from
// the dump (renamed from the archived schema), every table's row count
// checked against the manifest, the refresh tokens dropped (sessions do
// not carry over to a copy; users log in again with their passwords), the
// schema migrated forward to this binary's level, and the tenant's rows of
// the shared tables (its audit log, join requests, and an application's;
// with KeepDomains its domains and email domains; never signups). The
// tenant is active. Errors: a *tenantry.ValidationError for a bad slug or
// domain, tenantry.ErrTenantExists, tenantry.ErrDomainTaken; after any
// error nothing of the tenant exists.
func (e *Exporter) Import(ctx context.Context, r io.Reader, req ImportRequest) (*Imported, error) {
	return e.importFrom(ctx, r, req, cmpDir(e.cfg.TempDir, os.TempDir()))
}

func (e *Exporter) importFrom(ctx context.Context, r io.Reader, req ImportRequest, tmp string) (*Imported, error) {
	if e.cfg.Provisioner == nil {
		return nil, fmt.Errorf("import: export.Config.Provisioner is required")
	}
	tl, err := findTools(&e.cfg)
	if err != nil {
		return nil, err
	}
	s, m, err := readArchive(r, tmp)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer s.remove()
	p, err := e.prepareImport(ctx, tl, s, m, req)
	if err != nil {
		return nil, fmt.Errorf("import tenant %s as %s: %w", m.Tenant.Slug, req.Slug, err)
	}
	out := &Imported{Manifest: m, From: m.Level}
	err = pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		out.Tenant, err = e.cfg.Provisioner.RestoreTx(ctx, tx, p.request(req), p.details(), func(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant) (int, error) {
			out.To, err = e.fill(ctx, tx, t, p)
			return out.To, err
		})
		if err != nil {
			return err
		}
		if err := e.restoreRows(ctx, tx, out.Tenant, p, req); err != nil {
			return err
		}
		out.Tenant, err = registry.Find(ctx, tx, strconv.FormatInt(out.Tenant.ID, 10))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("import tenant %s as %s: %w", m.Tenant.Slug, req.Slug, err)
	}
	e.log.Info("tenant imported", "tenant", out.Tenant.Slug, "from", m.Tenant.Slug, "level_from", out.From, "level_to", out.To)
	return out, nil
}

// plan is an import's material, checked and ready before its transaction
// begins.
type plan struct {
	m      *Manifest
	row    tenantRow
	script string                                  // the schema's SQL, from pg_restore
	shared map[string][]map[string]json.RawMessage // table -> rows
}

// prepareImport checks what the archive holds against this binary and
// turns its dump into SQL, all before the database is touched.
func (e *Exporter) prepareImport(ctx context.Context, tl tools, s *staging, m *Manifest, req ImportRequest) (*plan, error) {
	if err := checkLedger("tenant", m.TenantMigrations, e.cfg.TenantMigrations.Migrations()); err != nil {
		return nil, err
	}
	if err := checkLedger("shared", m.SharedMigrations, e.cfg.SharedMigrations.Migrations()); err != nil {
		return nil, err
	}
	p := &plan{m: m, script: s.path(schemaMember) + ".sql", shared: map[string][]map[string]json.RawMessage{}}
	b, err := os.ReadFile(s.path(tenantMember))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &p.row); err != nil {
		return nil, fmt.Errorf("read %s: %v: %w", tenantMember, err, ErrCorrupt)
	}
	if err := p.readShared(s); err != nil {
		return nil, err
	}
	return p, tl.restoreSQL(ctx, s.path(schemaMember), p.script)
}

// readShared parses the shared members, checking their row counts.
func (p *plan) readShared(s *staging) error {
	for _, mem := range s.members {
		table, ok := strings.CutPrefix(mem.Name, sharedPrefix)
		if !ok {
			continue
		}
		table = strings.TrimSuffix(table, ".jsonl")
		b, err := os.ReadFile(s.path(mem.Name))
		if err != nil {
			return err
		}
		rows, err := parseRows(b)
		if err != nil {
			return fmt.Errorf("%s: %w", mem.Name, err)
		}
		if want := p.m.Tables["public."+table]; int64(len(rows)) != want {
			return fmt.Errorf("%s holds %d rows, the manifest says %d: %w", mem.Name, len(rows), want, ErrCorrupt)
		}
		p.shared[table] = rows
	}
	return nil
}

// request is the provisioning request of the new tenant.
func (p *plan) request(req ImportRequest) provision.Request {
	return provision.Request{Slug: req.Slug, Name: cmpDir(req.Name, p.row.Name), Domain: req.Domain,
		Locale: p.row.Locale, Timezone: p.row.Timezone, Currency: p.row.DefaultCurrency, Plan: p.row.Plan}
}

// details are the audit details of the import.
func (p *plan) details() map[string]any {
	return map[string]any{"imported_from": p.m.Tenant.Slug, "source_id": p.m.Tenant.ID,
		"archive_created_at": p.m.CreatedAt, "archive_level": p.m.Level}
}
