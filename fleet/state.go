package fleet

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/sqlquote"
)

// versions reads the fleet summary: each recorded schema's version, and
// whether its last run failed.
func (f *Fleet) versions(ctx context.Context) (map[string]state, error) {
	rows, _ := f.pool.Query(ctx, "SELECT schema_name, version, last_error IS NOT NULL FROM public.tenantry_schema_state")
	out := make(map[string]state)
	var s state
	var name string
	_, err := pgx.ForEachRow(rows, []any{&name, &s.version, &s.failed}, func() error {
		out[name] = s
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read fleet summary: %w", err)
	}
	return out, nil
}

type state struct {
	version int
	failed  bool
}

// recordSuccessSQL notes that schema is at version, clearing any error. Its
// text differs per schema and it goes by the simple protocol (as
// migrate.Options.After), so it stays out of pgx's statement cache.
func recordSuccessSQL(s Schema, version int) string {
	return fmt.Sprintf(`INSERT INTO public.tenantry_schema_state (schema_name, kind, version) VALUES (%s, %s, %d)
		ON CONFLICT (schema_name) DO UPDATE SET version = EXCLUDED.version, last_error = NULL, error_version = NULL, updated_at = now()`,
		sqlquote.Literal(s.Name), sqlquote.Literal(string(s.Kind)), version)
}

// recordFailure notes that schema failed at version, keeping its version.
func (f *Fleet) recordFailure(ctx context.Context, s Schema, from, failed int, msg string) error {
	_, err := f.pool.Exec(ctx, `INSERT INTO public.tenantry_schema_state (schema_name, kind, version, last_error, error_version)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (schema_name) DO UPDATE SET last_error = $4, error_version = $5, updated_at = now()`,
		s.Name, s.Kind, from, msg, failed)
	if err != nil {
		return fmt.Errorf("record failure of schema %s: %w", s.Name, err)
	}
	return nil
}
