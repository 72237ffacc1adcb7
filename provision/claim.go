package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/migrate"
)

// ErrNameCaptured is returned (wrapped) by Refill when the tenant migrations
// write a schema's own name into it, as a function declared with
// SET search_path FROM CURRENT does: renamed to a tenant's schema, such a
// spare would still point at its old name, so the pool cannot be used with
// these migrations. A spare found so at claim time is passed over and marked
// failed in the fleet summary.
var ErrNameCaptured = errors.New("a function keeps the schema's own name (e.g. SET search_path FROM CURRENT), so a spare schema cannot be renamed into a tenant's")

// claimSQL locks one usable spare's fleet-summary row, skipping those that
// other transactions hold, then tries the spare's migration lock ($2 is
// migrate.LockNamespace). It only tries: a spare that a fleet run is
// migrating is passed over, because waiting for it while holding its
// fleet-summary row, which that run updates last, would deadlock. The CTE
// is evaluated first and alone (it has a locking clause), so the lock is
// tried on the one row picked.
const claimSQL = `WITH picked AS (
	SELECT s.schema_name FROM ` + spareRows + `
	WHERE ` + usableSpare + `
	LIMIT 1 FOR UPDATE OF s SKIP LOCKED)
SELECT schema_name, pg_try_advisory_xact_lock($2, hashtext(schema_name)) FROM picked`

// claim takes a spare for a new tenant inside tx and returns its name, or ""
// when the pool is off or holds no spare fit to become the tenant, and the
// name of the role it was made with ("" for a spare made without one). The
// spare stays locked until tx ends; the caller renames it.
func (p *Provisioner) claim(ctx context.Context, tx pgx.Tx) (spare, role string, err error) {
	if p.cfg.Spares <= 0 {
		return "", "", nil
	}
	var locked bool
	err = tx.QueryRow(ctx, claimSQL, p.cfg.TenantMigrations.Latest(), migrate.LockNamespace).Scan(&spare, &locked)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("claim a spare schema: %w", err)
	}
	if !locked {
		p.logger.Info("spare passed over: a migration holds it", "spare", spare)
		return "", "", nil
	}
	ok, role, err := p.checkSpare(ctx, tx, spare)
	if err != nil || !ok {
		return "", "", err
	}
	return spare, role, nil
}

// checkSpare reports whether spare may become a tenant: its own ledger must
// hold exactly the tenant set's migrations, with their checksums (the
// fleet summary may lag behind it), and no function in it may keep its
// name. When it may not, the fleet summary is corrected in tx so that the
// spare is not claimed again before a fleet run has migrated it. It also
// returns the name of the spare's role, "" when it was made without one.
func (p *Provisioner) checkSpare(ctx context.Context, tx pgx.Tx, spare string) (ok bool, role string, err error) {
	set := p.cfg.TenantMigrations
	res, err := set.Apply(ctx, tx, spare, &migrate.Options{DryRun: true})
	var merr *migrate.Error
	switch {
	case errors.As(err, &merr) && pgerr.Code(err) == "":
		return false, "", p.refuseSpare(ctx, tx, spare, merr.Error(), merr.Version)
	case err != nil:
		return false, "", fmt.Errorf("check spare %s: %w", spare, err)
	case res.From != set.Latest() || len(res.Applied) > 0:
		p.logger.Warn("spare passed over: behind its fleet-summary row", "spare", spare, "version", res.From, "latest", set.Latest())
		_, err := tx.Exec(ctx, "UPDATE public.tenantry_schema_state SET version = $2, updated_at = now() WHERE schema_name = $1",
			spare, res.From)
		if err != nil {
			return false, "", fmt.Errorf("correct schema state of spare %s: %w", spare, err)
		}
		return false, "", nil
	}
	role, err = p.spareRole(ctx, tx, spare)
	if err != nil {
		return false, "", err
	}
	fn, rewind, hasRole, err := inspectSpare(ctx, tx, spare, role)
	if err != nil {
		return false, "", err
	}
	if fn != "" {
		return false, "", p.refuseSpare(ctx, tx, spare, fmt.Sprintf("function %s: %v", fn, ErrNameCaptured), set.Latest())
	}
	if len(rewind) > 0 {
		if _, err := tx.Exec(ctx, strings.Join(rewind, ";\n")); err != nil {
			return false, "", fmt.Errorf("rewind the sequences of spare %s: %w", spare, err)
		}
	}
	if !hasRole {
		role = ""
	}
	return true, role, nil
}

// inspectSpare reads, in one round trip, the first function of spare that
// keeps the schema's name ("" when none does), the statements that would
// rewind its used sequences (see rewindSequences) and whether role, the
// spare's own, exists.
func inspectSpare(ctx context.Context, tx pgx.Tx, spare, role string) (fn string, rewind []string, hasRole bool, err error) {
	b := &pgx.Batch{}
	b.Queue("SELECT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = $1)", role).QueryRow(func(row pgx.Row) error {
		return row.Scan(&hasRole)
	})
	b.Queue(capturingFunctionSQL, spare).Query(func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, []any{&fn}, func() error { return nil })
		return err
	})
	b.Queue(usedSequencesSQL, spare).Query(func(rows pgx.Rows) error {
		rewind, err = rewindStatements(rows, spare)
		return err
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return "", nil, false, fmt.Errorf("inspect spare %s: %w", spare, err)
	}
	return fn, rewind, hasRole, nil
}

// refuseSpare records why spare cannot become a tenant as its last error in
// the fleet summary, which takes it out of the pool.
func (p *Provisioner) refuseSpare(ctx context.Context, tx pgx.Tx, spare, reason string, version int) error {
	p.logger.Warn("spare passed over", "spare", spare, "reason", reason)
	_, err := tx.Exec(ctx, `UPDATE public.tenantry_schema_state SET last_error = $2, error_version = $3, updated_at = now()
		WHERE schema_name = $1`, spare, reason, version)
	if err != nil {
		return fmt.Errorf("record why spare %s is refused: %w", spare, err)
	}
	return nil
}

// inSchema restricts a query on pg_depend d to the objects of the schema
// named $1, through pg_depend's index: a scan of pg_class or pg_proc
// filtered by namespace would read every tenant's objects.
const inSchema = `d.refclassid = 'pg_namespace'::regclass
	AND d.refobjid = (SELECT oid FROM pg_namespace WHERE nspname = $1)`

// capturingFunctionSQL names a function of schema $1 whose body or
// settings hold the schema's name.
const capturingFunctionSQL = `SELECT p.oid::regprocedure::text FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
	WHERE ` + inSchema + ` AND d.classid = 'pg_proc'::regclass
	AND (strpos(p.prosrc, $1) > 0 OR strpos(array_to_string(p.proconfig, ' '), $1) > 0)
	LIMIT 1`

// capturingFunction names a function of schema whose body or settings hold
// the schema's name, or returns "" when there is none.
func capturingFunction(ctx context.Context, tx pgx.Tx, schema string) (string, error) {
	var fn string
	err := tx.QueryRow(ctx, capturingFunctionSQL, schema).Scan(&fn)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("inspect the functions of schema %s: %w", schema, err)
	}
	return fn, nil
}

// usedSequencesSQL lists the used sequences of schema $1: name, start and
// the table of the column that owns it (NULL for none).
const usedSequencesSQL = `SELECT c.relname::text, (SELECT seqstart FROM pg_sequence WHERE seqrelid = c.oid),
	(SELECT t.relname::text FROM pg_depend o JOIN pg_class t ON t.oid = o.refobjid
	 WHERE o.classid = 'pg_class'::regclass AND o.objid = c.oid AND o.refclassid = 'pg_class'::regclass
	 AND o.deptype IN ('a', 'i'))
	FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
	WHERE ` + inSchema + ` AND d.classid = 'pg_class'::regclass
	AND CASE WHEN c.relkind = 'S' THEN pg_sequence_last_value(c.oid) END IS NOT NULL`

// Rewinding sets back to their start the sequences of spare that a
// column owns, that have been used, and whose table is empty. Sequences
// are not transactional: a create that claimed the spare and rolled back
// (its first user inserted, then a domain taken) leaves them advanced, and
// the next tenant made from the spare would not start at 1 as a new schema
// does. A sequence whose table holds rows (seeded by a migration) is left
// alone. In the usual case, nothing used, it costs nothing more than the
// inspection (inspectSpare). (The CASE keeps pg_sequence_last_value from
// tables, whatever order the planner evaluates the conditions in.)
//
// rewindStatements reads usedSequencesSQL's rows and returns a statement
// per sequence a column owns, setting it back to its start if its table is
// empty.
func rewindStatements(rows pgx.Rows, spare string) ([]string, error) {
	var stmts []string
	var seq string
	var table *string // nil for a sequence no column owns
	var start int64
	_, err := pgx.ForEachRow(rows, []any{&seq, &start, &table}, func() error {
		if table == nil {
			return nil
		}
		stmts = append(stmts, fmt.Sprintf("SELECT setval(%s::regclass, %d, false) WHERE NOT EXISTS (SELECT FROM %s)",
			sqlquote.Literal(sqlquote.Ident(spare, seq)), start, sqlquote.Ident(spare, *table)))
		return nil
	})
	return stmts, err
}
