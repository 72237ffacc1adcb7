package export

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/migrate"
)

// ErrTooLarge is returned by Portable when the data exceeds its bound.
var ErrTooLarge = errors.New("the tenant's data is too large for a download: ask an operator for an export (tenant export)")

// PortableMax is the default bound of Portable's output, compressed.
const PortableMax = 512 << 20

// omitted matches the names of the columns Portable leaves out: password
// hashes, token hashes and secrets, which are no one's readable data.
const omitted = `(password|secret|_hash$)`

// portableSkipped are the tables of a tenant's schema Portable leaves out:
// the migration ledger and the refresh tokens (hashes of credentials).
var portableSkipped = []string{migrate.LedgerTable, "refresh_tokens"}

// PortableManifest describes a portable export.
type PortableManifest struct {
	Tenant     string           `json:"tenant"`
	Name       string           `json:"name"`
	Domains    []string         `json:"domains"`
	ExportedAt time.Time        `json:"exported_at"`
	Tables     map[string]int64 `json:"tables"`  // file -> rows
	Omitted    string           `json:"omitted"` // what was left out, in words
}

// Portable writes the data of tenant t that tx (the tenant's transaction)
// may read, as a zip of JSON files, to w: tables/<table>.json for each
// table of its schema (a partitioned table whole, not its partitions),
// shared/<table>.json for its rows of each shared table it may read (its
// audit log, join requests, email domains), each an array of objects, one
// a line, and manifest.json. Passwords, secrets and hashes, the migration
// ledger and refresh tokens are left out. It is the data-portability
// download, readable by anyone; export archives are for restoring. Output
// over max bytes (0: PortableMax) fails with ErrTooLarge. Write to a file,
// not to a client: tx stays open meanwhile.
func Portable(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant, w io.Writer, max int64) (*PortableManifest, error) {
	if max <= 0 {
		max = PortableMax
	}
	cw := &countingWriter{w: w, max: max}
	zw := zip.NewWriter(cw)
	m := &PortableManifest{Tenant: t.Slug, Name: t.Name, Domains: t.Domains, ExportedAt: time.Now().UTC(),
		Tables: map[string]int64{}, Omitted: "passwords, secrets and hashes; the migration ledger; refresh tokens"}
	if err := portableSchema(ctx, tx, t, zw, m); err != nil {
		return nil, err
	}
	if err := portableShared(ctx, tx, t, zw, m); err != nil {
		return nil, err
	}
	if err := writeJSONFile(zw, "manifest.json", m); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("write the data export: %w", err)
	}
	return m, nil
}

func portableSchema(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant, zw *zip.Writer, m *PortableManifest) error {
	rows, _ := tx.Query(ctx, `SELECT c.relname::text FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> ALL ($2)
		AND has_table_privilege(c.oid, 'SELECT') ORDER BY 1`, t.SchemaName, portableSkipped)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list the tables of %s: %w", t.SchemaName, err)
	}
	for _, table := range tables {
		if err := portableTable(ctx, tx, zw, m, "tables/"+table+".json", sqlquote.Ident(t.SchemaName, table), ""); err != nil {
			return err
		}
	}
	return nil
}

func portableShared(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant, zw *zip.Writer, m *PortableManifest) error {
	tables, err := sharedTables(ctx, tx)
	if err != nil {
		return err
	}
	for _, table := range tables {
		var readable bool
		name := sqlquote.Ident("public", table)
		if err := tx.QueryRow(ctx, "SELECT has_table_privilege($1, 'SELECT')", name).Scan(&readable); err != nil {
			return fmt.Errorf("check access to %s: %w", name, err)
		}
		if !readable {
			continue
		}
		if err := portableTable(ctx, tx, zw, m, "shared/"+table+".json", name, fmt.Sprintf(" WHERE x.tenant_id = %d", t.ID)); err != nil {
			return err
		}
	}
	return nil
}

// portableTable writes the rows of table (quoted) as file.
func portableTable(ctx context.Context, tx pgx.Tx, zw *zip.Writer, m *PortableManifest, file, table, where string) error {
	f, err := zw.Create(file)
	if err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	rows, _ := tx.Query(ctx, `SELECT coalesce((SELECT jsonb_object_agg(k, v) FROM jsonb_each(to_jsonb(x)) e(k, v)
		WHERE k !~ $1), '{}')::text FROM `+table+` x`+where, omitted)
	var line string
	var n int64
	sep := "[\n"
	_, err = pgx.ForEachRow(rows, []any{&line}, func() error {
		_, err := io.WriteString(f, sep+line)
		sep, n = ",\n", n+1
		return err
	})
	end := "\n]\n"
	if n == 0 {
		end = "[]\n"
	}
	if err == nil {
		_, err = io.WriteString(f, end)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	m.Tables[file] = n
	return nil
}

func writeJSONFile(zw *zip.Writer, name string, v any) error {
	f, err := zw.Create(name)
	if err == nil {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		err = enc.Encode(v)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// countingWriter fails once more than max bytes are written.
type countingWriter struct {
	w   io.Writer
	n   int64
	max int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.n+int64(len(p)) > c.max {
		return 0, ErrTooLarge
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
