package provision

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/tenantdb"
)

// SparePrefix begins the name of every spare schema: _tenantry_spare_1,
// _tenantry_spare_2, ... No tenant or static schema may take such a name.
const SparePrefix = "_tenantry_spare_"

// poolLock is the first key of the advisory lock that makes concurrent
// refills take turns (the second key is 0).
const poolLock = 0x7e4b

// spareRows joins the fleet summary s to the schemas n. The join compares
// in the summary's collation so that its primary key serves the lookup
// (nspname, of type name, has collation C).
const spareRows = `public.tenantry_schema_state s
	JOIN pg_namespace n ON s.schema_name = n.nspname::text COLLATE "default"`

// usableSpare is the condition on spareRows under which a spare may become
// a tenant: recorded at the latest version ($1) without error, and owned by
// the current user, who must rename it and whose objects those of a new
// schema would be.
//
// The range on n.nspname (type name, whose collation is always C, so the
// range holds exactly the names that begin with SparePrefix) lets the
// planner start from the few spares in pg_namespace's index rather than
// from the fleet summary's row of every tenant.
const usableSpare = `n.nspname >= '_tenantry_spare_' AND n.nspname < '_tenantry_spare` + "`" + `'
	AND s.kind = 'spare' AND s.version = $1 AND s.last_error IS NULL
	AND n.nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)`

// Spare is one schema of the spare pool.
type Spare struct {
	Name    string `json:"schema"`
	Version int    `json:"version"` // as the fleet summary records it
	// Current is true when the spare is at the tenant set's latest version
	// and its last migration did not fail: a create may claim it.
	Current bool   `json:"current"`
	Error   string `json:"error,omitempty"` // the last migration's error, if it failed
}

// Spares lists the spare pool, in the order the spares were made.
func (p *Provisioner) Spares(ctx context.Context) ([]Spare, error) {
	latest := p.cfg.TenantMigrations.Latest()
	rows, _ := p.pool.Query(ctx, `SELECT s.schema_name, s.version, coalesce(s.last_error, '') FROM `+spareRows+`
		WHERE s.kind = 'spare' ORDER BY length(s.schema_name), s.schema_name`)
	spares, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Spare, error) {
		var s Spare
		err := r.Scan(&s.Name, &s.Version, &s.Error)
		s.Current = s.Version == latest && s.Error == ""
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("list spare schemas: %w", err)
	}
	return spares, nil
}

// Refill tops the spare pool up to Config.Spares usable spares (current,
// and owned by the login role) and returns how many it made. Each spare is
// made in a transaction of its own: a new schema with a role of its own,
// migrated with the tenant set and recorded in the fleet summary as kind
// spare. Spares that are behind or failed are not counted (a fleet run
// migrates them back into the pool). Concurrent refills, in this process
// or another, take turns on an advisory lock and never overfill the pool
// nor collide on a name. An error stops the refill; the spares made before
// it stay. It returns an error wrapping ErrNameCaptured when the tenant
// migrations make schemas that cannot be renamed.
func (p *Provisioner) Refill(ctx context.Context) (int, error) {
	created := 0
	for created < p.cfg.Spares {
		name, err := p.refillOne(ctx)
		if err != nil {
			return created, err
		}
		if name == "" {
			break
		}
		created++
		p.logger.Info("spare made", "spare", name, "version", p.cfg.TenantMigrations.Latest())
	}
	return created, nil
}

// refillOne makes one spare, unless the pool is full, and returns its name
// ("" when the pool is full).
func (p *Provisioner) refillOne(ctx context.Context) (string, error) {
	var name string
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		full, err := p.lockPool(ctx, tx)
		if err != nil || full {
			return err
		}
		if name, err = nextSpareName(ctx, tx); err != nil {
			return err
		}
		return p.makeSpare(ctx, tx, name)
	})
	if err != nil {
		return "", err
	}
	return name, nil
}

// lockPool takes the pool's lock for the rest of tx, forgets the
// fleet-summary rows of spares whose schema is gone, and reports whether the
// pool already holds Config.Spares usable spares.
func (p *Provisioner) lockPool(ctx context.Context, tx pgx.Tx) (full bool, err error) {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, 0)", poolLock); err != nil {
		return false, fmt.Errorf("lock the spare pool: %w", err)
	}
	// A fleet run that migrated or failed on a spare as it was claimed
	// records a row for the old name after the claim commits.
	if _, err := tx.Exec(ctx, `DELETE FROM public.tenantry_schema_state s WHERE s.kind = 'spare'
		AND NOT EXISTS (SELECT FROM pg_namespace n WHERE n.nspname = s.schema_name)`); err != nil {
		return false, fmt.Errorf("forget the schema state of dropped spares: %w", err)
	}
	var n int
	err = tx.QueryRow(ctx, "SELECT count(*) FROM "+spareRows+" WHERE "+usableSpare, p.cfg.TenantMigrations.Latest()).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("count usable spares: %w", err)
	}
	return n >= p.cfg.Spares, nil
}

// spareRole is the name of the role spare is made with:
// tenantdb.SpareRolePrefix and the spare's number.
func (p *Provisioner) spareRole(ctx context.Context, tx pgx.Tx, spare string) (string, error) {
	oid, err := p.databaseOID(ctx, tx)
	if err != nil {
		return "", err
	}
	return tenantdb.SpareRolePrefix(oid) + strings.TrimPrefix(spare, SparePrefix), nil
}

// nextSpareName returns the spare name after the highest in use by a schema
// or a fleet-summary row. The pool's lock keeps two refills from taking the
// same; a claim only frees names.
func nextSpareName(ctx context.Context, tx pgx.Tx) (string, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT coalesce(max(substring(x.name FROM '^_tenantry_spare_([0-9]{1,9})$')::int), 0) + 1
		FROM (SELECT nspname::text FROM pg_namespace UNION ALL SELECT schema_name FROM public.tenantry_schema_state) AS x(name)`).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("number a new spare schema: %w", err)
	}
	return fmt.Sprintf("%s%d", SparePrefix, n), nil
}

// makeSpare creates the schema name, as CreateSchema does for a tenant,
// with a role of its own (spareRole) when the role layer is on, migrates
// it and records it in the fleet summary. The claim renames the role to
// the tenant's, so that a create writes no privileges. A role of that name
// left by a spare dropped outside Tenantry holds nothing and is reused.
func (p *Provisioner) makeSpare(ctx context.Context, tx pgx.Tx, name string) error {
	role := ""
	if !p.cfg.DisableRoles {
		var err error
		if role, err = p.spareRole(ctx, tx, name); err != nil {
			return err
		}
	}
	var left bool
	if role != "" {
		err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = $1)", role).Scan(&left)
		if err != nil {
			return fmt.Errorf("look for role %s of spare %s: %w", role, name, err)
		}
	}
	if left {
		if err := tenantdb.CreateSchema(ctx, tx, name, ""); err != nil {
			return err
		}
		if err := tenantdb.Grant(ctx, tx, name, role); err != nil {
			return err
		}
	} else if err := tenantdb.CreateSchema(ctx, tx, name, role); err != nil {
		return err
	}
	res, err := p.cfg.TenantMigrations.Apply(ctx, tx, name, nil)
	if err != nil {
		return err
	}
	if err := analyzeSchema(ctx, tx, name); err != nil {
		return err
	}
	fn, err := capturingFunction(ctx, tx, name)
	if err != nil {
		return err
	}
	if fn != "" {
		return fmt.Errorf("make spare %s: function %s: %w", name, fn, ErrNameCaptured)
	}
	_, err = tx.Exec(ctx, `INSERT INTO public.tenantry_schema_state (schema_name, kind, version) VALUES ($1, 'spare', $2)
		ON CONFLICT (schema_name) DO UPDATE SET kind = 'spare', version = $2, last_error = NULL, error_version = NULL, updated_at = now()`,
		name, res.To)
	if err != nil {
		return fmt.Errorf("record schema state of spare %s: %w", name, err)
	}
	return nil
}
