package provision

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/internal/sqlquote"
)

// finish adds the primary domain and the fleet-summary row (replacing the
// spare's), records the audit event, creates the first user and sets the
// transaction's search_path back: one round trip without a first user,
// three with one.
func finish(ctx context.Context, tx pgx.Tx, d *draft, req *Request, event audit.Event) error {
	var b batch
	if d.spare != "" {
		b.queue("forget schema state of spare "+d.spare, "DELETE FROM public.tenantry_schema_state WHERE schema_name = $1", d.spare)
	}
	b.queue("add domain "+req.Domain, "INSERT INTO public.domains (domain, tenant_id, is_primary) VALUES ($1, $2, true)",
		req.Domain, d.id)
	b.queue("record schema state of "+d.schema, `INSERT INTO public.tenantry_schema_state (schema_name, kind, version)
		VALUES ($1, 'dynamic', $2) ON CONFLICT (schema_name) DO UPDATE
		SET kind = 'dynamic', version = $2, last_error = NULL, error_version = NULL, updated_at = now()`,
		d.schema, d.version)
	if err := audit.Record(ctx, &b, event); err != nil {
		return err
	}
	if req.Admin == nil {
		b.queue("restore search_path", "SELECT set_config('search_path', $1, true)", d.searchPath)
		return b.send(ctx, tx)
	}
	if err := b.send(ctx, tx); err != nil {
		return err
	}
	if err := createAdmin(ctx, tx, d.schema, req.Admin); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", d.searchPath); err != nil {
		return fmt.Errorf("restore search_path after making schema %s: %w", d.schema, err)
	}
	return nil
}

// batch is statements sent in one round trip, each with what it does for
// its error.
type batch struct {
	b    pgx.Batch
	does []string
}

func (b *batch) queue(does, sql string, args ...any) {
	b.b.Queue(sql, args...)
	b.does = append(b.does, does)
}

// Exec queues sql to run with the batch, for writers that take an Execer
// (audit.Record): its error comes from send.
func (b *batch) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	b.queue("record the audit event", sql, args...)
	return pgconn.CommandTag{}, nil
}

// send runs the statements in order and returns the first error, wrapped
// with what its statement does.
func (b *batch) send(ctx context.Context, tx pgx.Tx) error {
	br := tx.SendBatch(ctx, &b.b)
	for _, does := range b.does {
		if _, err := br.Exec(); err != nil {
			_ = br.Close() // the same error, or one caused by it
			return fmt.Errorf("%s: %w", does, err)
		}
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("%s: %w", b.does[len(b.does)-1], err)
	}
	return nil
}

// createAdmin creates the tenant's first user in schema.
func createAdmin(ctx context.Context, tx pgx.Tx, schema string, a *Admin) error {
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", sqlquote.Ident(schema)); err != nil {
		return fmt.Errorf("enter schema %s: %w", schema, err)
	}
	_, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: a.Username, Email: a.Email,
		Password: a.Password, PasswordHash: a.PasswordHash, Role: a.Role})
	return err
}
