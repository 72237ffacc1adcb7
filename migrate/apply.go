package migrate

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/pgerr"
)

// Result tells what Apply did to one schema.
type Result struct {
	Schema  string   // the schema migrated
	From    int      // its level before: how many of the set's migrations it had
	To      int      // its level after (equal to From when nothing was pending)
	Applied []int    // the versions applied, in order (see Labels for their lines)
	Labels  []string // the migrations applied, as Migration.Label names them
}

// Options adjust Apply.
type Options struct {
	// CreateSchema creates the schema when it does not exist. Default false:
	// a missing schema is an error.
	CreateSchema bool
	// DryRun reports what would be applied and changes nothing.
	DryRun bool
	// After is SQL that Apply runs in the transaction once the migrations
	// are applied, sent with the last of them in one round trip, or alone
	// when none is pending. It is how a caller records the outcome without
	// a round trip of its own. Default none. It is not run in a dry run or
	// after a failure. It goes by the simple protocol and takes no
	// parameters, and may hold several statements. Sent with a migration,
	// an error in it is returned as that migration's *Error.
	After string
}

// Error is a migration that failed in a schema. The schema's transaction
// must be rolled back: it stays at its previous version.
type Error struct {
	Schema  string
	Line    string
	Version int
	Name    string
	Err     error
}

func (e *Error) Error() string {
	m := Migration{Line: e.Line, Version: e.Version, Name: e.Name}
	return fmt.Sprintf("schema %s: migration %s: %v", e.Schema, m.Label(), pgerr.Describe(e.Err))
}

func (e *Error) Unwrap() error { return e.Err }

// ErrEdited is returned (wrapped in an *Error) when a migration's text no
// longer matches the checksum recorded when it was applied.
var ErrEdited = errors.New("edited after it was applied: restore its text and add a new migration instead")

// ErrUnknownVersion is returned when a schema records a version the set does
// not have: the database is newer than this binary, or a file was removed.
var ErrUnknownVersion = errors.New("applied in the database but missing from this binary's migrations")

// ErrOutOfOrder is returned when a pending migration is numbered below one the
// schema already has.
var ErrOutOfOrder = errors.New("numbered below a migration the schema already has: renumber it after the latest")

// Apply brings schema up to the set's latest version inside tx, which the
// caller commits or rolls back. It takes the schema's advisory lock first, so
// concurrent callers on the same schema run one after the other and the
// second finds nothing to do. That needs tx to be READ COMMITTED: under
// REPEATABLE READ or SERIALIZABLE its snapshot predates the lock, so the
// caller that waited cannot see what the other applied, runs it again and
// fails. On failure Apply returns an *Error and the caller must roll back.
// Apply sets a transaction-local search_path to the schema alone, so
// migration files use unqualified names for the schema's objects.
//
// Outside a dry run, Apply costs one round trip to lock the schema, create
// what is missing and read the ledger, then one per pending migration, which
// carries its ledger insert (and, for the last, opts.After).
func (s *Set) Apply(ctx context.Context, tx pgx.Tx, schema string, opts *Options) (Result, error) {
	if opts == nil {
		opts = &Options{}
	}
	res := Result{Schema: schema}
	applied, err := open(ctx, tx, schema, opts)
	if err != nil {
		return res, err
	}
	res.From = len(applied)
	res.To = res.From
	pending, err := s.plan(schema, applied)
	if err != nil {
		return res, err
	}
	if opts.DryRun {
		for _, m := range pending {
			res.note(m)
		}
		return res, nil
	}
	return res, applyPending(ctx, tx, schema, pending, opts.After, &res)
}

// applyPending applies pending in order, each with its ledger insert in one
// round trip, noting each in res. after rides with the last, or runs alone
// when nothing is pending.
func applyPending(ctx context.Context, tx pgx.Tx, schema string, pending []Migration, after string, res *Result) error {
	if len(pending) == 0 {
		return runAfter(ctx, tx, schema, after)
	}
	for i, m := range pending {
		// The newline ends a trailing -- comment, the semicolon a last
		// statement without one.
		sql := m.SQL + "\n;\n" + insertLedgerSQL(schema, m)
		if i == len(pending)-1 && after != "" {
			sql += ";\n" + after
		}
		if _, err := tx.Exec(ctx, sql); err != nil {
			return &Error{Schema: schema, Line: m.Line, Version: m.Version, Name: m.Name, Err: err}
		}
		res.note(m)
	}
	return nil
}

// note records that m was (or in a dry run would be) applied.
func (res *Result) note(m Migration) {
	res.Applied, res.Labels, res.To = append(res.Applied, m.Version), append(res.Labels, m.Label()), res.To+1
}

// runAfter runs Options.After on its own, if there is one.
func runAfter(ctx context.Context, tx pgx.Tx, schema, after string) error {
	if after == "" {
		return nil
	}
	if _, err := tx.Exec(ctx, after); err != nil {
		return fmt.Errorf("schema %s: run the statements after its migrations: %w", schema, err)
	}
	return nil
}

// plan checks the ledger against the set and returns what is pending.
func (s *Set) plan(schema string, applied []Migration) ([]Migration, error) {
	done := make(map[key]bool, len(applied))
	last := map[string]int{} // each line's highest applied version
	for _, a := range applied {
		m, ok := s.find(a.Line, a.Version)
		if !ok {
			return nil, &Error{Schema: schema, Line: a.Line, Version: a.Version, Name: a.Name, Err: ErrUnknownVersion}
		}
		if m.Checksum != a.Checksum {
			return nil, &Error{Schema: schema, Line: m.Line, Version: m.Version, Name: m.Name, Err: ErrEdited}
		}
		done[key{a.Line, a.Version}] = true
		last[a.Line] = max(last[a.Line], a.Version)
	}
	var pending []Migration
	for _, m := range s.migrations {
		if done[key{m.Line, m.Version}] {
			continue
		}
		if m.Version < last[m.Line] {
			return nil, &Error{Schema: schema, Line: m.Line, Version: m.Version, Name: m.Name, Err: ErrOutOfOrder}
		}
		pending = append(pending, m)
	}
	return pending, nil
}
