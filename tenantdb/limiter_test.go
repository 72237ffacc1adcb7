package tenantdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/tenantdb"
)

// strict puts tenant a of f on a plan with a statement_timeout and returns
// a DB on f's one connection whose transactions pass the plans' gate.
func strict(t *testing.T, f *fixture, timeout time.Duration) *tenantdb.DB {
	t.Helper()
	ctx := context.Background()
	if _, err := limits.SavePlan(ctx, f.env.Pool, limits.Plan{Name: "strict", StatementTimeout: timeout}); err != nil {
		t.Fatal(err)
	}
	a, err := limits.AssignPlan(ctx, f.env.Pool, f.a.SchemaName, "strict")
	if err != nil {
		t.Fatal(err)
	}
	f.a = a
	gate := limits.NewGate(limits.NewPlans(f.env.Pool, nil), nil)
	return tenantdb.New(f.one, &tenantdb.Config{Limiter: gate})
}

// timeoutIn returns the statement_timeout inside a transaction of ten, by
// InTenant and by Pipeline.
func timeoutIn(t *testing.T, db *tenantdb.DB, ten *tenantry.Tenant) (string, string) {
	t.Helper()
	ctx := context.Background()
	var inTx, inPipe string
	if err := db.InTenant(ctx, ten, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(ctx, "SHOW statement_timeout").Scan(&inTx)
	}); err != nil {
		t.Fatal(err)
	}
	b := &pgx.Batch{}
	b.Queue("SHOW statement_timeout").QueryRow(func(row pgx.Row) error { return row.Scan(&inPipe) })
	if err := db.Pipeline(ctx, ten, b); err != nil {
		t.Fatal(err)
	}
	return inTx, inPipe
}

func TestStatementTimeoutIsTransactionLocal(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	db := strict(t, f, 1500*time.Millisecond)
	if tx, pipe := timeoutIn(t, db, f.a); tx != "1500ms" || pipe != "1500ms" {
		t.Errorf("statement_timeout of the strict tenant: InTenant %q, Pipeline %q", tx, pipe)
	}
	f.assertClean(t)
	if tx, pipe := timeoutIn(t, db, f.b); tx != "0" || pipe != "0" {
		t.Errorf("statement_timeout of another tenant on the same connection: InTenant %q, Pipeline %q", tx, pipe)
	}
	var left string
	if err := f.one.QueryRow(context.Background(), "SHOW statement_timeout").Scan(&left); err != nil || left != "0" {
		t.Errorf("statement_timeout left on the connection: %q, %v", left, err)
	}
}

func TestStatementTimeoutStaysInItsTransactionBehindPgBouncer(t *testing.T) {
	t.Parallel()
	f := setupBehindPgBouncer(t, nil)
	db := strict(t, f, 250*time.Millisecond)
	if tx, pipe := timeoutIn(t, db, f.a); tx != "250ms" || pipe != "250ms" {
		t.Errorf("statement_timeout behind PgBouncer: InTenant %q, Pipeline %q", tx, pipe)
	}
	var left string
	if err := f.one.QueryRow(context.Background(), "SHOW statement_timeout").Scan(&left); err != nil || left != "0" {
		t.Errorf("statement_timeout left on the server connection: %q, %v", left, err)
	}
	f.assertClean(t)
}

// refuser refuses every transaction: what a Limiter's refusal does to
// InTenant and Pipeline.
type refuser struct{}

var errRefused = errors.New("refused")

func (refuser) Admit(context.Context, *tenantry.Tenant) (func(), time.Duration, error) {
	return nil, 0, errRefused
}

func TestRefusedTransactionTakesNoConnection(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	db := tenantdb.New(f.one, &tenantdb.Config{Limiter: refuser{}})
	before := f.one.Stat().AcquireCount()
	ran := false
	err := db.InTenant(context.Background(), f.a, func(*tenantdb.Tx) error { ran = true; return nil })
	if !errors.Is(err, errRefused) || ran {
		t.Errorf("InTenant refused: %v, ran %v", err, ran)
	}
	if err := db.Pipeline(context.Background(), f.a, &pgx.Batch{}); !errors.Is(err, errRefused) {
		t.Errorf("Pipeline refused: %v", err)
	}
	if n := f.one.Stat().AcquireCount(); n != before {
		t.Errorf("refused transactions took %d connections", n-before)
	}
}
