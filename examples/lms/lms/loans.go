package lms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/api"
)

// Loan is one loan to a borrower. Amounts are integers in the minor unit of
// Currency; each has a _display twin formatted in the tenant's locale.
type Loan struct {
	ID                 int64      `json:"id"`
	BorrowerID         int64      `json:"borrower_id"`
	BorrowerName       string     `json:"borrower_name"`
	Principal          int64      `json:"principal" doc:"minor units of currency (cents for EUR)"`
	PrincipalDisplay   string     `json:"principal_display" doc:"principal formatted in the tenant's locale, such as € 1,234.56"`
	Currency           string     `json:"currency" doc:"ISO 4217"`
	InterestRateBps    int        `json:"interest_rate_bps" doc:"yearly simple interest in basis points: 1250 is 12.50 %"`
	TermMonths         int        `json:"term_months"`
	TotalDue           int64      `json:"total_due" doc:"principal plus interest over the term, minor units"`
	TotalDueDisplay    string     `json:"total_due_display"`
	Paid               int64      `json:"paid" doc:"sum of the payments, minor units"`
	PaidDisplay        string     `json:"paid_display"`
	Outstanding        int64      `json:"outstanding" doc:"total_due minus paid, minor units"`
	OutstandingDisplay string     `json:"outstanding_display"`
	Status             Status     `json:"status" enum:"draft,approved,disbursed,closed,defaulted"`
	OfficerID          *int64     `json:"officer_id" doc:"the user who made it; null once that user is deleted"`
	ApprovedBy         *int64     `json:"approved_by"`
	ApprovedAt         *time.Time `json:"approved_at"`
	DisbursedAt        *time.Time `json:"disbursed_at"`
	ClosedAt           *time.Time `json:"closed_at"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// LoanFields are what a new loan is made of.
type LoanFields struct {
	BorrowerID      int64  `json:"borrower_id" minimum:"1"`
	Principal       int64  `json:"principal" minimum:"1" maximum:"10000000000000" doc:"minor units of currency"`
	Currency        string `json:"currency,omitempty" maxLength:"3" doc:"ISO 4217; default the tenant's default currency"`
	InterestRateBps int    `json:"interest_rate_bps" minimum:"0" maximum:"10000" doc:"yearly, in basis points (0 to 100 %)"`
	TermMonths      int    `json:"term_months" minimum:"1" maximum:"480"`
}

type listLoansInput struct {
	api.Bearer
	Status     string `query:"status" enum:"draft,approved,disbursed,closed,defaulted" doc:"only loans in this status"`
	BorrowerID int64  `query:"borrower_id" minimum:"0" doc:"only this borrower's loans"`
	Limit      int    `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"page size"`
	Offset     int64  `query:"offset" minimum:"0" default:"0" doc:"entries to skip"`
}

type loanInput struct {
	api.Bearer
	ID int64 `path:"id" minimum:"1" doc:"the loan's id"`
}

type createLoanInput struct {
	api.Bearer
	Body LoanFields
}

type loanOutput struct{ Body *Loan }

type createdLoanOutput struct {
	Location string `header:"Location" doc:"the new loan's path"`
	Body     *Loan
}

type loansOutput struct{ Body api.Page[Loan] }

func listLoans(ctx context.Context, in *listLoansInput, b *pgx.Batch) (*loansOutput, error) {
	t, err := tenantry.Require(ctx)
	if err != nil {
		return nil, err
	}
	m := moneyFor(t)
	out := &loansOutput{Body: api.Page[Loan]{Limit: in.Limit, Offset: in.Offset}}
	status, borrower := nilIfZero(in.Status), nilIfZero(in.BorrowerID)
	b.Queue(listLoansSQL, status, borrower, in.Limit, in.Offset).Query(func(rows pgx.Rows) error {
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Loan, error) {
			l, err := scanLoan(r, m)
			if err != nil {
				return Loan{}, err
			}
			return *l, nil
		})
		if err != nil {
			return fmt.Errorf("list loans: %w", err)
		}
		out.Body.Results = list
		return nil
	})
	queueCount(b, &out.Body.Count, "count loans", countLoansSQL, status, borrower)
	return out, nil
}

func getLoan(ctx context.Context, in *loanInput, b *pgx.Batch) (*loanOutput, error) {
	t, err := tenantry.Require(ctx)
	if err != nil {
		return nil, err
	}
	out := &loanOutput{}
	b.Queue(getLoanSQL, in.ID).QueryRow(func(row pgx.Row) error {
		l, err := scanLoan(row, moneyFor(t))
		if errors.Is(err, pgx.ErrNoRows) {
			return loanNotFound(in.ID)
		}
		out.Body = l
		return err
	})
	return out, nil
}

func createLoan(ctx context.Context, c *api.Context, in *createLoanInput) (*createdLoanOutput, error) {
	f := in.Body
	code := f.Currency
	field := "currency"
	if code == "" {
		code, field = c.Tenant.DefaultCurrency, "the tenant's default currency"
	}
	code, err := parseCurrency(field, code)
	if err != nil {
		return nil, err
	}
	row := c.Tx.QueryRow(ctx, insertLoanSQL, f.BorrowerID, f.Principal, code, f.InterestRateBps, f.TermMonths, c.User.ID)
	l, err := scanLoan(row, moneyFor(c.Tenant))
	if err != nil {
		return nil, dbError(err, "add loan", conflicts{
			"loans_borrower_id_fkey": huma.Error422UnprocessableEntity(fmt.Sprintf("borrower %d not found", f.BorrowerID))})
	}
	return &createdLoanOutput{Location: fmt.Sprintf("/api/loans/%d/", l.ID), Body: l}, nil
}

// readLoan reads loan id in tx, formatted for t: a 404 when there is none.
func readLoan(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant, id int64) (*Loan, error) {
	l, err := scanLoan(tx.QueryRow(ctx, getLoanSQL, id), moneyFor(t))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, loanNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("read loan %d: %w", id, err)
	}
	return l, nil
}

func loanNotFound(id int64) error {
	return huma.Error404NotFound(fmt.Sprintf("loan %d not found", id))
}

// nilIfZero is nil for a parameter left out, so that SQL skips its filter.
func nilIfZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// scanLoan reads one loan and formats its amounts with m; pgx.ErrNoRows
// when there is none.
func scanLoan(row pgx.Row, m money) (*Loan, error) {
	var l Loan
	err := row.Scan(&l.ID, &l.BorrowerID, &l.BorrowerName, &l.Principal, &l.Currency, &l.InterestRateBps, &l.TermMonths,
		&l.TotalDue, &l.Paid, &l.Status, &l.OfficerID, &l.ApprovedBy, &l.ApprovedAt, &l.DisbursedAt, &l.ClosedAt,
		&l.CreatedAt, &l.UpdatedAt)
	if err != nil {
		return nil, err
	}
	l.Outstanding = l.TotalDue - l.Paid
	l.PrincipalDisplay = m.display(l.Principal, l.Currency)
	l.TotalDueDisplay = m.display(l.TotalDue, l.Currency)
	l.PaidDisplay = m.display(l.Paid, l.Currency)
	l.OutstandingDisplay = m.display(l.Outstanding, l.Currency)
	l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	for _, ts := range []*time.Time{l.ApprovedAt, l.DisbursedAt, l.ClosedAt} {
		if ts != nil {
			*ts = ts.UTC()
		}
	}
	return &l, nil
}
