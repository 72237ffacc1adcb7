package limits

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/registry"
)

// DB is what the plan functions need: a pool (or a connection) that can
// begin transactions and query.
type DB interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func scanPlan(row pgx.CollectableRow) (*Plan, error) {
	var p Plan
	var timeoutMS int64
	var quotas, features []byte
	err := row.Scan(&p.Name, &p.Rate, &p.Burst, &p.UserRate, &p.UserBurst, &p.MaxTransactions, &timeoutMS,
		&p.MaxUsers, &p.MaxJobs, &quotas, &features, &p.CreatedAt, &p.UpdatedAt, &p.Tenants)
	if err != nil {
		return nil, err
	}
	p.StatementTimeout = time.Duration(timeoutMS) * time.Millisecond
	if err := json.Unmarshal(quotas, &p.Quotas); err != nil {
		return nil, fmt.Errorf("plan %s: quotas: %w", p.Name, err)
	}
	p.Features = map[string]bool{}
	var raw map[string]any
	if err := json.Unmarshal(features, &raw); err != nil {
		return nil, fmt.Errorf("plan %s: features: %w", p.Name, err)
	}
	for k, v := range raw {
		on, _ := v.(bool)
		p.Features[k] = on
	}
	return &p, nil
}

// ListPlans returns every plan, ordered by name, each with the number of
// tenants that name it.
func ListPlans(ctx context.Context, db DB) ([]*Plan, error) {
	rows, err := db.Query(ctx, selectPlans+"ORDER BY p.name")
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	ps, err := pgx.CollectRows(rows, scanPlan)
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	return ps, nil
}

// GetPlan returns the plan name; the error wraps ErrPlanNotFound when
// there is none.
func GetPlan(ctx context.Context, db DB, name string) (*Plan, error) {
	rows, err := db.Query(ctx, selectPlans+"WHERE p.name = $1", name)
	if err != nil {
		return nil, fmt.Errorf("get plan %q: %w", name, err)
	}
	p, err := pgx.CollectExactlyOneRow(rows, scanPlan)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("plan %q: %w", name, ErrPlanNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get plan %q: %w", name, err)
	}
	return p, nil
}

// SavePlan validates p and creates or replaces the plan of its name: every
// limit it leaves zero is no limit. It returns the plan as stored. Running
// servers see the change within a moment (Plans.Listen). The change is
// recorded in the audit log with the context's actor.
func SavePlan(ctx context.Context, db DB, p Plan) (*Plan, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	quotas, features := p.Quotas, p.Features
	if quotas == nil {
		quotas = map[string]int64{}
	}
	if features == nil {
		features = map[string]bool{}
	}
	var out *Plan
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, upsertPlan, p.Name, p.Rate, p.Burst, p.UserRate, p.UserBurst, p.MaxTransactions,
			p.StatementTimeout.Milliseconds(), p.MaxUsers, p.MaxJobs, quotas, features)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanPlan); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "plan.saved", Target: p.Name, Details: out.details()})
	})
	if err != nil {
		return nil, fmt.Errorf("save plan %q: %w", p.Name, err)
	}
	return out, nil
}

// details are the plan's limits for the audit log.
func (p *Plan) details() map[string]any {
	return map[string]any{"rate": FormatRate(p.Rate), "burst": p.Burst, "user_rate": FormatRate(p.UserRate),
		"user_burst": p.UserBurst, "max_transactions": p.MaxTransactions, "statement_timeout": p.StatementTimeout.String(),
		"max_users": p.MaxUsers, "max_jobs": p.MaxJobs, "quotas": p.Quotas, "features": p.Features}
}

// DeletePlan deletes the plan name. A plan some tenants name is refused
// with an *InUseError (wrapping ErrPlanInUse), unless moveTo names another
// plan (else a *tenantry.ValidationError on move_to): they are then moved
// to it in the same transaction. The default
// plan is never deleted (ErrDefaultPlan). It returns how many tenants were
// moved.
func DeletePlan(ctx context.Context, db DB, name, moveTo string) (int, error) {
	if name == DefaultPlan {
		return 0, fmt.Errorf("delete plan %q: %w", name, ErrDefaultPlan)
	}
	if moveTo == name {
		return 0, invalid("move_to", moveTo, "must name another plan than the one deleted")
	}
	moved := 0
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := lockRow(ctx, tx, lockPlan, name); err != nil {
			return err
		}
		if moveTo != "" {
			n, err := moveTenants(ctx, tx, name, moveTo)
			if err != nil {
				return err
			}
			moved = n
		}
		var n int
		if err := tx.QueryRow(ctx, countUsers, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &InUseError{Plan: name, Tenants: n}
		}
		if _, err := tx.Exec(ctx, deletePlan, name); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "plan.deleted", Target: name,
			Details: map[string]any{"moved_to": moveTo, "tenants_moved": moved}})
	})
	if err != nil {
		return 0, fmt.Errorf("delete plan %q: %w", name, err)
	}
	return moved, nil
}

// moveTenants moves every tenant of plan from to plan to, recording each
// change.
func moveTenants(ctx context.Context, tx pgx.Tx, from, to string) (int, error) {
	if err := lockRow(ctx, tx, sharePlan, to); errors.Is(err, ErrPlanNotFound) {
		return 0, invalid("move_to", to, "no plan has this name")
	} else if err != nil {
		return 0, err
	}
	rows, err := tx.Query(ctx, movePlan, from, to)
	if err != nil {
		return 0, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := audit.Record(ctx, tx, audit.Event{TenantID: id, Action: "tenant.plan_changed", Target: strconv.FormatInt(id, 10),
			Details: map[string]any{"from": from, "to": to}}); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// lockRow runs a plan lock query; no row is ErrPlanNotFound.
func lockRow(ctx context.Context, tx pgx.Tx, sql, name string) error {
	var got string
	err := tx.QueryRow(ctx, sql, name).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("plan %q: %w", name, ErrPlanNotFound)
	}
	return err
}

// AssignPlan puts the tenant named by ref (slug, schema, domain or id) on
// plan, which must exist (else a *tenantry.ValidationError), and
// returns the tenant as it now is. The plan cannot be deleted meanwhile.
// Running servers see the change within a moment, through the registry's
// notifications. The change is recorded in the audit log.
func AssignPlan(ctx context.Context, db DB, ref, plan string) (*tenantry.Tenant, error) {
	var out *tenantry.Tenant
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := lockRow(ctx, tx, sharePlan, plan); errors.Is(err, ErrPlanNotFound) {
			return invalid("plan", plan, "no plan has this name: create it first (plan set)")
		} else if err != nil {
			return err
		}
		t, err := registry.FindForUpdate(ctx, tx, ref)
		if err != nil {
			return err
		}
		if t.Deleting() {
			return fmt.Errorf("tenant %s: %w", t.Slug, tenantry.ErrTenantDeleting)
		}
		if t.Plan != plan {
			if _, err := tx.Exec(ctx, assignPlan, t.ID, plan); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, audit.Event{TenantID: t.ID, Action: "tenant.plan_changed", Target: t.Slug,
				Details: map[string]any{"from": t.Plan, "to": plan}}); err != nil {
				return err
			}
		}
		out, err = registry.Find(ctx, tx, strconv.FormatInt(t.ID, 10))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("put tenant %q on plan %q: %w", ref, plan, err)
	}
	return out, nil
}
