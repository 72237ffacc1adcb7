package lms

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenantdb"
)

// demoLoan is a sample loan: its borrower and terms in whole units of the
// tenant's currency, the status it reaches, when it was disbursed and what
// has been paid (whole units, each a month after the disbursement).
type demoLoan struct {
	borrower, email string
	principal       int64
	bps, months     int
	status          Status
	monthsAgo       int
	payments        []int64
}

var demoLoans = []demoLoan{
	{"Amara Okafor", "amara@example.com", 5000, 1200, 12, StatusDraft, 0, nil},
	{"Jonas Weber", "jonas@example.com", 12000, 950, 24, StatusApproved, 0, nil},
	{"Lucía Fernández", "lucia@example.com", 2500, 1500, 6, StatusDisbursed, 4, []int64{470}}, // in arrears
	{"Kenji Sato", "kenji@example.com", 1000, 0, 2, StatusClosed, 3, []int64{500, 500}},       // repaid
}

// demoBackdateSQL moves a demo loan's dates $2 months into the past.
const demoBackdateSQL = `UPDATE loans SET created_at = now() - make_interval(months => $2, days => 7),
	approved_at = now() - make_interval(months => $2, days => 2), disbursed_at = now() - make_interval(months => $2)
	WHERE id = $1`

// Demo fills a demo tenant with borrowers and loans in every stage, in its
// default currency, made by its first user.
func Demo(ctx context.Context, tx *tenantdb.Tx, t *tenantry.Tenant) error {
	code, err := parseCurrency("default currency", t.DefaultCurrency)
	if err != nil {
		code = "USD"
	}
	unit := int64(math.Pow10(scale(code)))
	var officer int64
	if err := tx.QueryRow(ctx, "SELECT min(id) FROM users").Scan(&officer); err != nil {
		return fmt.Errorf("find the demo user: %w", err)
	}
	for _, d := range demoLoans {
		if err := addDemoLoan(ctx, tx, d, code, unit, officer); err != nil {
			return fmt.Errorf("add demo loan of %s: %w", d.borrower, err)
		}
	}
	return nil
}

// addDemoLoan adds d's borrower and loan and takes the loan to d.status as
// the API would.
func addDemoLoan(ctx context.Context, tx pgx.Tx, d demoLoan, code string, unit, officer int64) error {
	var borrower, loan int64
	if err := tx.QueryRow(ctx, "INSERT INTO borrowers (name, email, created_by) VALUES ($1, $2, $3) RETURNING id",
		d.borrower, d.email, officer).Scan(&borrower); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, "INSERT INTO loans (borrower_id, principal, currency, interest_rate_bps, term_months, officer_id) "+
		"VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", borrower, d.principal*unit, code, d.bps, d.months, officer).Scan(&loan); err != nil {
		return err
	}
	for _, st := range []Status{StatusApproved, StatusDisbursed} {
		if d.status == StatusDraft || (st == StatusDisbursed && d.status == StatusApproved) {
			break
		}
		if _, err := tx.Exec(ctx, moveLoanSQL, loan, st, officer); err != nil {
			return err
		}
	}
	if d.monthsAgo > 0 {
		if _, err := tx.Exec(ctx, demoBackdateSQL, loan, d.monthsAgo); err != nil {
			return err
		}
	}
	for i, amount := range d.payments {
		paidAt := time.Now().AddDate(0, i+1-d.monthsAgo, 0)
		if _, err := tx.Exec(ctx, recordPaymentSQL, loan, amount*unit, code, paidAt, officer); err != nil {
			return err
		}
	}
	return nil
}
