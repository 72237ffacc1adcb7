package export

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/migrate"
)

// checkLedger refuses an archived ledger with a migration this binary's set
// lacks (newer) or has with another checksum.
func checkLedger(kind string, archived []Migration, known []migrate.Migration) error {
	for _, a := range archived {
		i := slices.IndexFunc(known, func(m migrate.Migration) bool { return m.Line == a.Line && m.Version == a.Version })
		label := migrate.Migration{Line: a.Line, Version: a.Version, Name: a.Name}.Label()
		if i < 0 {
			return fmt.Errorf("its %s migration %s is not one this binary has (upgrade the binary first): %w", kind, label, ErrNewer)
		}
		if known[i].Checksum != a.Checksum {
			return fmt.Errorf("its %s migration %s has another checksum than this binary's: %w", kind, label, ErrMigrationMismatch)
		}
	}
	return nil
}

// fill restores the archived schema into t's new schema, inside tx, checks
// it, ends its sessions and migrates it forward; it returns its level.
func (e *Exporter) fill(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant, p *plan) (int, error) {
	f, err := os.Open(p.script)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := restoreScript(ctx, tx, f, renamer{from: p.m.Tenant.Schema, to: t.SchemaName}); err != nil {
		return 0, fmt.Errorf("restore schema %s: %w", t.SchemaName, err)
	}
	if err := checkRestored(ctx, tx, t.SchemaName, p.m); err != nil {
		return 0, err
	}
	if err := endSessions(ctx, tx, t.SchemaName); err != nil {
		return 0, err
	}
	res, err := e.cfg.TenantMigrations.Apply(ctx, tx, t.SchemaName, nil)
	if err != nil {
		return 0, err
	}
	return res.To, nil
}

// checkRestored compares the restored schema's ledger and row counts with
// the manifest's.
func checkRestored(ctx context.Context, tx pgx.Tx, schema string, m *Manifest) error {
	ledger, err := readLedger(ctx, tx, schema)
	if err != nil {
		return err
	}
	if !slices.Equal(ledger, m.TenantMigrations) {
		return fmt.Errorf("the restored schema's migrations are not the manifest's: %w", ErrCorrupt)
	}
	got := map[string]int64{}
	if err := countRows(ctx, tx, schema, got); err != nil {
		return err
	}
	for table, n := range m.Tables {
		if _, shared := cutPublic(table); shared {
			continue
		}
		if got[table] != n {
			return fmt.Errorf("table %s has %d rows restored, the manifest says %d: %w", table, got[table], n, ErrCorrupt)
		}
	}
	return nil
}

func cutPublic(table string) (string, bool) {
	if len(table) > 7 && table[:7] == "public." {
		return table[7:], true
	}
	return table, false
}

// endSessions drops the copied refresh tokens: they are not bound to a
// tenant, and a session of the original must not go on in the copy.
// Access tokens name the original's id and are refused by the copy's.
func endSessions(ctx context.Context, tx pgx.Tx, schema string) error {
	table := sqlquote.Ident(schema, "refresh_tokens")
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil || !exists {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM "+table); err != nil {
		return fmt.Errorf("end the copied sessions: %w", err)
	}
	return nil
}

// Shared tables an import treats apart from the rest.
const (
	domainsTable      = "domains"       // only with KeepDomains, never as primary
	emailDomainsTable = "email_domains" // only with KeepDomains
	signupsTable      = "signups"       // never: the platform's record of how the original came to be
)

// restoreRows restores the tenant's features and its shared rows.
func (e *Exporter) restoreRows(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant, p *plan, req ImportRequest) error {
	if len(p.row.Features) > 0 {
		if _, err := tx.Exec(ctx, "UPDATE public.tenants SET features = $2 WHERE id = $1", t.ID, string(p.row.Features)); err != nil {
			return fmt.Errorf("restore features: %w", err)
		}
	}
	for _, table := range sortedKeys(p.shared) {
		rows := p.shared[table]
		switch table {
		case signupsTable:
			continue
		case domainsTable, emailDomainsTable:
			if !req.KeepDomains {
				continue
			}
			rows = otherDomains(rows, t.PrimaryDomain())
		}
		if len(rows) > 0 && !tableExists(ctx, tx, table) {
			return fmt.Errorf("the archive holds rows of public.%s, which this database lacks", table)
		}
		if err := insertShared(ctx, tx, table, t.ID, rows); err != nil {
			return sharedError(table, err)
		}
	}
	return nil
}

// otherDomains returns the domain rows but primary's, none of them primary.
func otherDomains(rows []map[string]json.RawMessage, primary string) []map[string]json.RawMessage {
	var out []map[string]json.RawMessage
	for _, r := range rows {
		var d string
		if json.Unmarshal(r["domain"], &d) == nil && d == primary {
			continue
		}
		if _, ok := r["is_primary"]; ok {
			r["is_primary"] = json.RawMessage("false")
		}
		out = append(out, r)
	}
	return out
}

func tableExists(ctx context.Context, tx pgx.Tx, table string) bool {
	var ok bool
	err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", sqlquote.Ident("public", table)).Scan(&ok)
	return err == nil && ok
}

// sharedError translates a taken domain or email domain.
func sharedError(table string, err error) error {
	if (table == domainsTable || table == emailDomainsTable) && pgerr.Code(err) == pgerr.UniqueViolation {
		return fmt.Errorf("restore the archive's %s (--keep-domains): one belongs to another tenant, the original perhaps: %w",
			strings.ReplaceAll(table, "_", " "), tenantry.ErrDomainTaken)
	}
	return err
}
