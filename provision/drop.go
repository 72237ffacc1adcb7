package provision

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/migrate"
)

// dropTarget is one object that a step of Delete drops from a schema.
type dropTarget struct {
	kind  string // a relkind (r, p, v, m, f, S), "type" or "routine"
	name  string // unqualified
	args  string // a routine's argument list, as the server renders it
	locks int    // the objects its DROP ... CASCADE deletes, and so locks
}

// dropVerbs names the DROP statement of each kind of target.
var dropVerbs = map[string]string{
	"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE",
	"S": "SEQUENCE", "type": "TYPE", "routine": "ROUTINE",
}

// statement is the target's DROP. IF EXISTS: an earlier drop may have
// taken it along (a view with its table), or a concurrent delete of the
// same tenant dropped it first.
func (d dropTarget) statement(schema string) string {
	name := sqlquote.Ident(schema, d.name)
	if d.kind == "routine" {
		name += "(" + d.args + ")"
	}
	return "DROP " + dropVerbs[d.kind] + " IF EXISTS " + name + " CASCADE"
}

// dropObjects is Delete's step 2: it drops the objects of t's schema in
// steps of at most the step budget's locks, each in a transaction of its
// own, and reports each step to Config.OnDeleteStep. It stops at the first
// failure or when ctx ends; what was dropped stays dropped.
func (p *Provisioner) dropObjects(ctx context.Context, t *tenantry.Tenant) error {
	budget, err := p.stepBudget(ctx)
	if err != nil {
		return err
	}
	plan, err := p.dropPlan(ctx, t.SchemaName)
	if err != nil {
		return err
	}
	steps := pack(plan, budget)
	p.logger.Info("deleting tenant", "tenant", t.Slug, "schema", t.SchemaName,
		"objects", len(plan), "steps", len(steps), "locks_per_step", budget)
	dropped := 0
	for i, step := range steps {
		if err := p.dropStep(ctx, t, step); err != nil {
			return fmt.Errorf("step %d of %d: %w", i+1, len(steps), err)
		}
		dropped += len(step)
		if p.cfg.OnDeleteStep != nil {
			p.cfg.OnDeleteStep(t, dropped, len(plan))
		}
	}
	return nil
}

// stepBudget is the most locks one step may take: Config.DeleteLocks, or
// half the server's max_locks_per_transaction.
func (p *Provisioner) stepBudget(ctx context.Context) (int, error) {
	if p.cfg.DeleteLocks > 0 {
		return p.cfg.DeleteLocks, nil
	}
	var perBackend int
	if err := p.pool.QueryRow(ctx, maxLocksSQL).Scan(&perBackend); err != nil {
		return 0, fmt.Errorf("read max_locks_per_transaction: %w", err)
	}
	return max(1, perBackend/2), nil
}

// dropPlan lists what schema's steps drop, lightest first.
func (p *Provisioner) dropPlan(ctx context.Context, schema string) ([]dropTarget, error) {
	rows, _ := p.pool.Query(ctx, dropPlanSQL, schema, migrate.LedgerTable)
	plan, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (dropTarget, error) {
		var d dropTarget
		return d, r.Scan(&d.kind, &d.name, &d.args, &d.locks)
	})
	if err != nil {
		return nil, fmt.Errorf("list the objects of schema %s: %w", schema, err)
	}
	return plan, nil
}

// pack groups plan into steps of at most budget locks each, in order. An
// object heavier than the budget makes a step alone: it cannot be dropped
// in parts.
func pack(plan []dropTarget, budget int) [][]dropTarget {
	var steps [][]dropTarget
	var cur []dropTarget
	used := 0
	for _, d := range plan {
		if len(cur) > 0 && used+d.locks > budget {
			steps, cur, used = append(steps, cur), nil, 0
		}
		cur, used = append(cur, d), used+d.locks
	}
	if len(cur) > 0 {
		steps = append(steps, cur)
	}
	return steps
}

// dropStep drops step's objects from t's schema in one transaction.
func (p *Provisioner) dropStep(ctx context.Context, t *tenantry.Tenant, step []dropTarget) error {
	stmts := make([]string, len(step))
	for i, d := range step {
		stmts[i] = d.statement(t.SchemaName)
	}
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if err := lockForDrop(ctx, tx, t); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, strings.Join(stmts, ";\n")); err != nil {
			return fmt.Errorf("drop %d objects of schema %s: %w", len(step), t.SchemaName, err)
		}
		return nil
	})
}
