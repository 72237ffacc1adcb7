package lms

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/console"
	"github.com/tenantry/tenantry/tenantdb"
)

// LoansSection is the loans' part of the web console (/admin/loans/):
// a list searchable by borrower, each loan's terms and state, and a form
// that makes a draft loan in the tenant's default currency, behind the
// loans:read and loans:write permissions. Approving, disbursing and
// payments stay with the API, whose rules they follow.
func LoansSection() console.Section {
	return console.Section{
		Path: "loans", Title: "Loans", Noun: "loan", Read: LoansRead, Write: LoansWrite,
		Fields: []console.Field{
			{Name: "borrower_id", Label: "Borrower id", Kind: console.Number, Required: true, MaxLength: 19},
			{Name: "borrower", Label: "Borrower", ReadOnly: true, Listed: true},
			{Name: "principal", Label: "Principal (minor units)", Kind: console.Number, Required: true, MaxLength: 14,
				Help: "In cents for EUR or USD: 150000 is 1,500.00."},
			{Name: "interest_rate_bps", Label: "Yearly interest (basis points)", Kind: console.Number, Required: true, MaxLength: 5,
				Help: "1250 is 12.50 %."},
			{Name: "term_months", Label: "Term (months)", Kind: console.Number, Required: true, MaxLength: 3},
			{Name: "principal_display", Label: "Principal", ReadOnly: true, Listed: true},
			{Name: "outstanding", Label: "Outstanding", ReadOnly: true, Listed: true},
			{Name: "status", Label: "Status", ReadOnly: true, Listed: true},
		},
		List: consoleLoans, Get: consoleLoan, Create: consoleCreateLoan,
	}
}

// searchLoansSQL is a page of the loans whose borrower's name holds $1
// (any case, LIKE's wildcards escaped), newest first, with their count.
const searchLoansSQL = "WITH l AS (SELECT l.*, count(*) OVER () AS total FROM loans l JOIN borrowers b ON b.id = l.borrower_id " +
	"WHERE $1 = '' OR b.name ILIKE '%' || $1 || '%' ORDER BY l.created_at DESC, l.id DESC LIMIT $2 OFFSET $3) " +
	"SELECT " + loanColumns + ", l.total" + withBorrower + " ORDER BY l.created_at DESC, l.id DESC"

func consoleLoans(ctx context.Context, tx *tenantdb.Tx, q console.Query) (*console.Page, error) {
	search := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q.Search)
	rows, err := tx.Query(ctx, searchLoansSQL, search, q.Limit, q.Offset)
	if err != nil {
		return nil, fmt.Errorf("search loans: %w", err)
	}
	m := moneyFor(tx.Tenant)
	page := &console.Page{}
	page.Rows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (console.Row, error) {
		var l Loan
		err := r.Scan(&l.ID, &l.BorrowerID, &l.BorrowerName, &l.Principal, &l.Currency, &l.InterestRateBps, &l.TermMonths,
			&l.TotalDue, &l.Paid, &l.Status, &l.OfficerID, &l.ApprovedBy, &l.ApprovedAt, &l.DisbursedAt, &l.ClosedAt,
			&l.CreatedAt, &l.UpdatedAt, &page.Total)
		return console.Row{ID: l.ID, Values: loanValues(&l, m)}, err
	})
	if err != nil {
		return nil, fmt.Errorf("search loans: %w", err)
	}
	return page, nil
}

func loanValues(l *Loan, m money) console.Values {
	return console.Values{"borrower_id": strconv.FormatInt(l.BorrowerID, 10), "borrower": l.BorrowerName,
		"principal": strconv.FormatInt(l.Principal, 10), "interest_rate_bps": strconv.Itoa(l.InterestRateBps),
		"term_months": strconv.Itoa(l.TermMonths), "principal_display": m.display(l.Principal, l.Currency),
		"outstanding": m.display(l.TotalDue-l.Paid, l.Currency), "status": string(l.Status)}
}

func consoleLoan(ctx context.Context, tx *tenantdb.Tx, id int64) (console.Values, error) {
	m := moneyFor(tx.Tenant)
	l, err := scanLoan(tx.QueryRow(ctx, getLoanSQL, id), m)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, console.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read loan %d: %w", id, err)
	}
	return loanValues(l, m), nil
}

// wholeNumber reads field as an integer between lo and hi.
func wholeNumber(v console.Values, field, label string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v[field]), 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, &console.FieldError{Field: field, Message: fmt.Sprintf("%s must be a whole number from %d to %d.", label, lo, hi)}
	}
	return n, nil
}

func consoleCreateLoan(ctx context.Context, tx *tenantdb.Tx, u *auth.User, v console.Values) (int64, error) {
	var nums [4]int64
	for i, f := range []struct {
		name, label string
		lo, hi      int64
	}{{"borrower_id", "Borrower id", 1, 1 << 62}, {"principal", "Principal", 1, 10000000000000},
		{"interest_rate_bps", "Interest", 0, 10000}, {"term_months", "Term", 1, 480}} {
		n, err := wholeNumber(v, f.name, f.label, f.lo, f.hi)
		if err != nil {
			return 0, err
		}
		nums[i] = n
	}
	code, err := parseCurrency("the tenant's default currency", tx.Tenant.DefaultCurrency)
	if err != nil {
		return 0, err
	}
	l, err := scanLoan(tx.QueryRow(ctx, insertLoanSQL, nums[0], nums[1], code, nums[2], nums[3], u.ID), moneyFor(tx.Tenant))
	if err != nil {
		return 0, dbError(err, "add loan", conflicts{
			"loans_borrower_id_fkey": &console.FieldError{Field: "borrower_id", Message: fmt.Sprintf("There is no borrower %d.", nums[0])}})
	}
	return l.ID, nil
}
