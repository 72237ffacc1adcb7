package export

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/migrate"
)

// snapshotData is what an export read of the database besides the dump.
type snapshotData struct {
	at      time.Time
	tenant  *tenantry.Tenant
	row     []byte // the tenant's row of public.tenants, as JSON
	server  string
	ledger  []Migration
	shared  []Migration
	counts  map[string]int64
	members map[string][]byte // shared/<table>.jsonl -> rows
}

// snapshot reads tenant t and dumps its schema into s, all in one
// snapshot of the database. A transaction, on a connection of its own
// (taking a second one from the pool while holding one could wait forever
// on a small pool), enters the tenant
// (public.tenantry_enter_tenant: its lock shared, then a check with a
// fresh snapshot that it is not being deleted) and exports its snapshot,
// which pg_dump and a second, read-only transaction import; the first
// stays open, holding the lock, only until pg_dump is done. A delete of
// the tenant waits for it; a tenant already being deleted is refused.
func (e *Exporter) snapshot(ctx context.Context, tl tools, t *tenantry.Tenant, s *staging) (*snapshotData, error) {
	conn, err := pgx.Connect(ctx, e.cfg.ConnString)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	lock, err := conn.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = lock.Rollback(ctx) }()
	if _, err := lock.Exec(ctx, "SELECT public.tenantry_enter_tenant($1)", t.ID); err != nil {
		if pgerr.Code(err) == pgerr.TenantGone {
			return nil, fmt.Errorf("tenant %s is being deleted: %w", t.Slug, tenantry.ErrTenantDeleting)
		}
		return nil, fmt.Errorf("enter tenant: %w", err)
	}
	var id string
	if err := lock.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&id); err != nil {
		return nil, fmt.Errorf("export a snapshot: %w", err)
	}
	d, err := e.read(ctx, t, id)
	if err != nil {
		return nil, err
	}
	args := dumpArgs(libpqConnString(e.cfg.ConnString), t.SchemaName, id, s.path(schemaMember))
	if err := run(ctx, tl.pgDump, args...); err != nil {
		return nil, fmt.Errorf("dump schema %s: %w", t.SchemaName, err)
	}
	if err := lock.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return d, s.add(schemaMember)
}

var snapshotID = regexp.MustCompile(`^[0-9A-Fa-f-]+$`)

// read reads, in the exported snapshot id, the tenant's registry row, the
// ledgers, the schema's row counts and the tenant's shared rows.
func (e *Exporter) read(ctx context.Context, t *tenantry.Tenant, id string) (*snapshotData, error) {
	if !snapshotID.MatchString(id) {
		return nil, fmt.Errorf("unexpected snapshot id %q", id)
	}
	tx, err := e.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT "+sqlquote.Literal(id), pgx.QueryExecModeSimpleProtocol); err != nil {
		return nil, fmt.Errorf("import the snapshot: %w", err)
	}
	d := &snapshotData{tenant: t, counts: map[string]int64{}, members: map[string][]byte{}}
	err = tx.QueryRow(ctx, "SELECT to_jsonb(t)::text, now(), current_setting('server_version') FROM public.tenants t WHERE id = $1",
		t.ID).Scan(&d.row, &d.at, &d.server)
	if err != nil {
		return nil, fmt.Errorf("read the registry row: %w", err)
	}
	if d.ledger, err = readLedger(ctx, tx, t.SchemaName); err != nil {
		return nil, err
	}
	if d.shared, err = readLedger(ctx, tx, "public"); err != nil {
		return nil, err
	}
	if err := countRows(ctx, tx, t.SchemaName, d.counts); err != nil {
		return nil, err
	}
	return d, readShared(ctx, tx, t.ID, d)
}

// readShared reads the tenant's rows of every shared table into d.
func readShared(ctx context.Context, tx pgx.Tx, id int64, d *snapshotData) error {
	tables, err := sharedTables(ctx, tx)
	if err != nil {
		return err
	}
	for _, table := range tables {
		rows, n, err := sharedRows(ctx, tx, table, id)
		if err != nil {
			return err
		}
		d.members[sharedPrefix+table+".jsonl"] = rows
		d.counts["public."+table] = n
	}
	return nil
}

// readLedger reads a schema's migration ledger.
func readLedger(ctx context.Context, q Querier, schema string) ([]Migration, error) {
	rows, _ := q.Query(ctx, "SELECT coalesce(to_jsonb(l)->>'line', ''), version, name, checksum FROM "+
		sqlquote.Ident(schema, migrate.LedgerTable)+" l ORDER BY 1, version", pgx.QueryExecModeSimpleProtocol)
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Migration, error) {
		var m Migration
		return m, r.Scan(&m.Line, &m.Version, &m.Name, &m.Checksum)
	})
	if err != nil {
		return nil, fmt.Errorf("read the migration ledger of %s: %w", schema, err)
	}
	return ms, nil
}

// countRows counts the rows of each table of schema (partitions, not
// their parents) into counts, by bare name.
func countRows(ctx context.Context, q Querier, schema string, counts map[string]int64) error {
	rows, _ := q.Query(ctx, `SELECT c.relname::text FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1`, schema)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) == 0 {
		return wrapCount(schema, err)
	}
	parts := make([]string, len(tables))
	for i, table := range tables {
		parts[i] = fmt.Sprintf("SELECT %s::text, count(*) FROM %s", sqlquote.Literal(table), sqlquote.Ident(schema, table))
	}
	rows, _ = q.Query(ctx, strings.Join(parts, " UNION ALL "), pgx.QueryExecModeSimpleProtocol)
	var name string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&name, &n}, func() error {
		counts[name] = n
		return nil
	})
	return wrapCount(schema, err)
}

func wrapCount(schema string, err error) error {
	if err != nil {
		return fmt.Errorf("count the rows of schema %s: %w", schema, err)
	}
	return nil
}

// stage writes d's members into s and returns the manifest (without its
// member list, which writeArchive adds).
func (d *snapshotData) stage(s *staging) (*Manifest, error) {
	if err := s.writeFile(tenantMember, d.row); err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(d.members) {
		if err := s.writeFile(name, d.members[name]); err != nil {
			return nil, err
		}
	}
	t := d.tenant
	return &Manifest{
		Format: Format, FormatVersion: fmt.Sprintf("%d.%d", FormatMajor, FormatMinor), CreatedAt: d.at.UTC(),
		ServerVersion: d.server,
		Tenant: Source{ID: t.ID, Slug: t.Slug, Schema: t.SchemaName, Name: t.Name, Status: string(t.Status),
			Domains: t.Domains},
		TenantMigrations: d.ledger, Level: len(d.ledger), SharedMigrations: d.shared, Tables: d.counts,
	}, nil
}

// tenantRow is what an import reads of the registry row.
type tenantRow struct {
	Name            string          `json:"name"`
	Locale          string          `json:"locale"`
	Timezone        string          `json:"timezone"`
	DefaultCurrency string          `json:"default_currency"`
	Features        json.RawMessage `json:"features"`
	Plan            string          `json:"plan"`
}
