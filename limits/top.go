package limits

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/internal/sqlquote"
)

// TopOptions adjust Top. A zero field means its default.
type TopOptions struct {
	// Tenants is how many tenants to list, heaviest (total time) first.
	// Default 10.
	Tenants int
	// Statements is how many of each tenant's heaviest statements to list.
	// Default 3; negative for none.
	Statements int
}

// Report is what pg_stat_statements says of the tenants' statements.
type Report struct {
	// Available is false when pg_stat_statements cannot be read; Hint
	// then says how to enable it.
	Available bool   `json:"available"`
	Hint      string `json:"hint,omitempty"`
	// Since is when the statistics were last reset
	// (pg_stat_statements_info.stats_reset): every figure counts from
	// then.
	Since time.Time `json:"since"`
	// TextsHidden is true when the login role may not read other roles'
	// statement texts: grant it pg_read_all_stats.
	TextsHidden bool `json:"texts_hidden,omitempty"`
	// Tenants are the heaviest tenants; Others sums the rest, of
	// TenantCount tenants with statistics in all.
	Tenants     []TenantStats `json:"tenants"`
	Others      Figures       `json:"others"`
	TenantCount int           `json:"tenant_count"`
}

// Figures are statement counters.
type Figures struct {
	Calls   int64   `json:"calls"`
	TotalMS float64 `json:"total_ms"`
	MeanMS  float64 `json:"mean_ms"`
	Rows    int64   `json:"rows"`
}

// TenantStats are one tenant's figures and its heaviest statements.
type TenantStats struct {
	Tenant     string      `json:"tenant"`
	TenantID   int64       `json:"tenant_id"`
	Plan       string      `json:"plan"`
	Figures                // calls, total, mean and rows
	Statements []Statement `json:"statements"`
}

// Statement is one normalised statement of a tenant's.
type Statement struct {
	Query string `json:"query"`
	Figures
}

// Querier is what Top needs: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Hints for enabling pg_stat_statements.
const (
	hintPreload = "pg_stat_statements is not loaded: add shared_preload_libraries = 'pg_stat_statements' to " +
		"postgresql.conf, restart PostgreSQL, then run CREATE EXTENSION pg_stat_statements; in this database (as a superuser)"
	hintCreate = "pg_stat_statements is loaded but not installed in this database: run CREATE EXTENSION " +
		"pg_stat_statements; (as a superuser)"
)

// Top folds pg_stat_statements by tenant role: each tenant's statements run
// under its own role (tenantdb), so their userid names the tenant. It
// returns the heaviest tenants by total execution time with their calls,
// total and mean time, rows and heaviest statements, counted since the
// statistics were last reset. When the extension cannot be read, the
// report says so and how to enable it (Available false, Hint); that is not
// an error. Statements run with the role layer off belong to no tenant and
// are not counted.
func Top(ctx context.Context, q Querier, opts TopOptions) (*Report, error) {
	if opts.Tenants <= 0 {
		opts.Tenants = 10
	}
	if opts.Statements == 0 {
		opts.Statements = 3
	}
	schema, hint, err := statementsSchema(ctx, q)
	if err != nil || hint != "" {
		return &Report{Hint: hint, Tenants: []TenantStats{}}, err
	}
	r := &Report{Available: true, Tenants: []TenantStats{}}
	err = q.QueryRow(ctx, "SELECT stats_reset FROM "+sqlquote.Ident(schema, "pg_stat_statements_info")).Scan(&r.Since)
	if pgerr.Code(err) == "55000" { // "must be loaded via shared_preload_libraries"
		return &Report{Hint: hintPreload, Tenants: []TenantStats{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_statements_info: %w", err)
	}
	if err := r.fold(ctx, q, schema, opts); err != nil {
		return nil, err
	}
	return r, nil
}

// statementsSchema finds the schema of the extension, or a hint when it is
// not installed.
func statementsSchema(ctx context.Context, q Querier) (string, string, error) {
	var schema *string
	var preload string
	err := q.QueryRow(ctx, `SELECT (SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
		WHERE e.extname = 'pg_stat_statements'), current_setting('shared_preload_libraries')`).Scan(&schema, &preload)
	switch {
	case err != nil:
		return "", "", fmt.Errorf("look for pg_stat_statements: %w", err)
	case schema != nil:
		return *schema, "", nil
	case containsLibrary(preload, "pg_stat_statements"):
		return "", hintCreate, nil
	}
	return "", hintPreload, nil
}

// fold reads the per-tenant figures: the heaviest tenants, then the
// totals of all, from which the others' are the difference.
func (r *Report) fold(ctx context.Context, q Querier, schema string, opts TopOptions) error {
	view := sqlquote.Ident(schema, "pg_stat_statements")
	rows, err := q.Query(ctx, fmt.Sprintf(topTenantsSQL, view), opts.Tenants, max(0, opts.Statements))
	if err != nil {
		return fmt.Errorf("read pg_stat_statements: %w", err)
	}
	var top Figures
	r.Tenants, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (TenantStats, error) {
		var ts TenantStats
		var stmts []struct {
			Query string  `json:"query"`
			Calls int64   `json:"calls"`
			Total float64 `json:"total"`
			Rows  int64   `json:"rows"`
		}
		err := row.Scan(&ts.TenantID, &ts.Tenant, &ts.Plan, &ts.Calls, &ts.TotalMS, &ts.Rows, &stmts)
		ts.MeanMS = mean(ts.TotalMS, ts.Calls)
		ts.Statements = make([]Statement, len(stmts))
		for i, st := range stmts {
			ts.Statements[i] = Statement{Query: st.Query, Figures: Figures{Calls: st.Calls, TotalMS: st.Total,
				MeanMS: mean(st.Total, st.Calls), Rows: st.Rows}}
			r.TextsHidden = r.TextsHidden || st.Query == "<insufficient privilege>"
		}
		top.add(ts.Figures)
		return ts, err
	})
	if err != nil {
		return fmt.Errorf("read pg_stat_statements: %w", err)
	}
	var all Figures
	if err := q.QueryRow(ctx, fmt.Sprintf(allTenantsSQL, view)).Scan(&r.TenantCount, &all.Calls, &all.TotalMS, &all.Rows); err != nil {
		return fmt.Errorf("read pg_stat_statements: %w", err)
	}
	r.Others = Figures{Calls: all.Calls - top.Calls, TotalMS: max(0, all.TotalMS-top.TotalMS), Rows: all.Rows - top.Rows}
	r.Others.MeanMS = mean(r.Others.TotalMS, r.Others.Calls)
	return nil
}

func (f *Figures) add(o Figures) {
	f.Calls += o.Calls
	f.TotalMS += o.TotalMS
	f.Rows += o.Rows
}

func mean(total float64, calls int64) float64 {
	if calls == 0 {
		return 0
	}
	return total / float64(calls)
}

func containsLibrary(list, lib string) bool {
	for _, l := range strings.Split(list, ",") {
		if strings.Trim(strings.TrimSpace(l), `"`) == lib {
			return true
		}
	}
	return false
}
