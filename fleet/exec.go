package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/migrate"
)

// maxOutputRows bounds the rows Exec keeps from each statement of each
// schema.
const maxOutputRows = 1000

// errNoSchema is Exec's error for a selected schema that does not exist,
// such as a static schema not migrated yet.
var errNoSchema = errors.New("no such schema")

// Output is what one statement of Exec's SQL returned in one schema.
type Output struct {
	Command   string     `json:"command"`
	Columns   []string   `json:"columns,omitempty"`
	Rows      [][]string `json:"rows,omitempty"`
	Truncated bool       `json:"truncated,omitempty"`
}

// Exec runs sql (one or more statements, no parameters) in each of schemas,
// one transaction per schema with search_path set to the schema then public,
// as the login role. A schema whose SQL fails, or that does not exist, is
// rolled back and reported; the others go on. Each result's From and To are
// the schema's migration version (Exec migrates nothing). When ctx ends, the
// schemas being worked on roll back, no other is started, and the error
// wraps ErrInterrupted; otherwise it is nil. With opts.DryRun nothing is
// executed. The report is never nil.
func (f *Fleet) Exec(ctx context.Context, schemas []Schema, sql string, opts *Options) (*Report, error) {
	if opts == nil {
		opts = &Options{}
	}
	start := time.Now()
	report := &Report{Total: len(schemas)}
	defer finish(report, start)
	f.run(ctx, schemas, report, opts, func(ctx context.Context, s Schema) Result {
		if opts.DryRun {
			return Result{Schema: s.Name, Kind: s.Kind, Skipped: true}
		}
		return f.execOne(ctx, s, sql)
	})
	return report, end(ctx, report)
}

func (f *Fleet) execOne(ctx context.Context, s Schema, sql string) Result {
	start := time.Now()
	res := Result{Schema: s.Name, Kind: s.Kind}
	err := pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		var err error
		if res.From, err = enterSchema(ctx, tx, s); err != nil {
			return err
		}
		res.To = res.From
		results, err := tx.Conn().PgConn().Exec(ctx, sql).ReadAll()
		if err != nil {
			return err
		}
		res.Output = outputs(results)
		return nil
	})
	switch {
	case interrupted(ctx, err):
		markInterrupted(&res)
	case err != nil:
		res.Err, res.Error, res.Output = err, fmt.Sprintf("schema %s: %v", s.Name, pgerr.Describe(err)), nil
	}
	res.Duration = time.Since(start)
	return res
}

// enterSchema sets tx's search_path to s (then public, unless s is public)
// and returns s's migration version, 0 without a ledger. A missing schema
// would leave public alone on the path: it is refused with errNoSchema.
func enterSchema(ctx context.Context, tx pgx.Tx, s Schema) (int, error) {
	path := sqlquote.Ident(s.Name)
	if s.Kind != KindPublic {
		path += ", public"
	}
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT set_config('search_path', $1, true), EXISTS (SELECT FROM pg_namespace WHERE nspname = $2)",
		path, s.Name).Scan(nil, &exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, errNoSchema
	}
	return migrate.Version(ctx, tx, s.Name)
}

// outputs renders pgconn's results as text, keeping at most maxOutputRows
// rows of each.
func outputs(results []*pgconn.Result) []Output {
	out := make([]Output, 0, len(results))
	for _, r := range results {
		o := Output{Command: r.CommandTag.String()}
		for _, fd := range r.FieldDescriptions {
			o.Columns = append(o.Columns, fd.Name)
		}
		for i, row := range r.Rows {
			if i == maxOutputRows {
				o.Truncated = true
				break
			}
			o.Rows = append(o.Rows, textRow(row))
		}
		out = append(out, o)
	}
	return out
}

func textRow(row [][]byte) []string {
	cells := make([]string, len(row))
	for i, c := range row {
		if c == nil {
			cells[i] = "NULL"
		} else {
			cells[i] = string(c)
		}
	}
	return cells
}
