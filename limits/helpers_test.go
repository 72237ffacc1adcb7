package limits_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

func errorsAs[T any](err error, target *T) bool { return errors.As(err, target) }

// savePlan saves p, failing t on error.
func savePlan(t *testing.T, env *tenanttest.Env, p limits.Plan) *limits.Plan {
	t.Helper()
	out, err := limits.SavePlan(context.Background(), env.Pool, p)
	if err != nil {
		t.Fatalf("save plan %s: %v", p.Name, err)
	}
	return out
}

// assign puts tenant ref on plan, failing t on error.
func assign(t *testing.T, env *tenanttest.Env, ref, plan string) {
	t.Helper()
	if _, err := limits.AssignPlan(context.Background(), env.Pool, ref, plan); err != nil {
		t.Fatalf("assign %s to %s: %v", ref, plan, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// waiting counts the backends waiting for advisory lock key.
func waiting(t *testing.T, env *tenanttest.Env, key int64) int {
	t.Helper()
	var n int
	err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks
		WHERE locktype = 'advisory' AND NOT granted AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, key).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
