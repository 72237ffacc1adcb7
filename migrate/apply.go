package migrate

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/internal/sqlquote"
)

// lockNamespace is the first key of the per-schema advisory lock; the second
// is hashtext(schema). Both are transaction-level, so a crash releases them.
const lockNamespace = 0x7e4a

// Result tells what Apply did to one schema.
type Result struct {
	Schema  string // the schema migrated
	From    int    // its version before
	To      int    // its version after (equal to From when nothing was pending)
	Applied []int  // the versions applied, in order
}

// Options adjust Apply.
type Options struct {
	// CreateSchema creates the schema when it does not exist. Default false:
	// a missing schema is an error.
	CreateSchema bool
	// DryRun reports what would be applied and changes nothing.
	DryRun bool
}

// Error is a migration that failed in a schema. The schema's transaction
// must be rolled back: it stays at its previous version.
type Error struct {
	Schema  string
	Version int
	Name    string
	Err     error
}

func (e *Error) Error() string {
	return fmt.Sprintf("schema %s: migration %04d_%s: %v", e.Schema, e.Version, e.Name, pgerr.Describe(e.Err))
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
func (s *Set) Apply(ctx context.Context, tx pgx.Tx, schema string, opts *Options) (Result, error) {
	if opts == nil {
		opts = &Options{}
	}
	res := Result{Schema: schema}
	hasLedger, err := prepare(ctx, tx, schema, opts)
	if err != nil {
		return res, err
	}
	var applied []Migration
	if hasLedger {
		if applied, err = readLedger(ctx, tx); err != nil {
			return res, fmt.Errorf("read migration ledger of schema %s: %w", schema, err)
		}
	}
	res.From = lastVersion(applied)
	res.To = res.From
	pending, err := s.plan(schema, applied)
	if err != nil {
		return res, err
	}
	for _, m := range pending {
		if !opts.DryRun {
			if err := applyOne(ctx, tx, m); err != nil {
				return res, &Error{Schema: schema, Version: m.Version, Name: m.Name, Err: err}
			}
		}
		res.Applied = append(res.Applied, m.Version)
		res.To = m.Version
	}
	return res, nil
}

// prepare locks the schema, points search_path at it and makes sure the
// ledger exists (except in a dry run), in as few round trips as the
// statements allow. It reports whether the ledger exists.
func prepare(ctx context.Context, tx pgx.Tx, schema string, opts *Options) (bool, error) {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2)), set_config('search_path', $3, true)",
		lockNamespace, schema, sqlquote.Ident(schema)); err != nil {
		return false, fmt.Errorf("lock schema %s for migration: %w", schema, err)
	}
	if opts.CreateSchema && !opts.DryRun {
		if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+sqlquote.Ident(schema)); err != nil {
			return false, fmt.Errorf("create schema %s: %w", schema, err)
		}
	}
	var exists, hasLedger bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1),
		to_regclass($2) IS NOT NULL`, schema, sqlquote.Ident(schema, ledgerTable)).Scan(&exists, &hasLedger)
	if err != nil {
		return false, fmt.Errorf("inspect schema %s: %w", schema, err)
	}
	if !exists && !opts.DryRun {
		return false, fmt.Errorf("schema %s does not exist", schema)
	}
	if hasLedger || opts.DryRun {
		return hasLedger, nil
	}
	if _, err := tx.Exec(ctx, createLedger); err != nil {
		return false, fmt.Errorf("create migration ledger in schema %s: %w", schema, err)
	}
	return true, nil
}

func applyOne(ctx context.Context, tx pgx.Tx, m Migration) error {
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, insertLedger, m.Version, m.Name, m.Checksum)
	return err
}

// plan checks the ledger against the set and returns what is pending.
func (s *Set) plan(schema string, applied []Migration) ([]Migration, error) {
	done := make(map[int]bool, len(applied))
	for _, a := range applied {
		m, ok := s.find(a.Version)
		if !ok {
			return nil, &Error{Schema: schema, Version: a.Version, Name: a.Name, Err: ErrUnknownVersion}
		}
		if m.Checksum != a.Checksum {
			return nil, &Error{Schema: schema, Version: m.Version, Name: m.Name, Err: ErrEdited}
		}
		done[a.Version] = true
	}
	last := lastVersion(applied)
	var pending []Migration
	for _, m := range s.migrations {
		if done[m.Version] {
			continue
		}
		if m.Version < last {
			return nil, &Error{Schema: schema, Version: m.Version, Name: m.Name, Err: ErrOutOfOrder}
		}
		pending = append(pending, m)
	}
	return pending, nil
}

func lastVersion(applied []Migration) int {
	if len(applied) == 0 {
		return 0
	}
	return applied[len(applied)-1].Version
}
