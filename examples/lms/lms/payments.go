package lms

import (
	"context"
	"fmt"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/api"
)

// Payment is a repayment recorded against a loan, in the loan's currency.
type Payment struct {
	ID            int64     `json:"id"`
	LoanID        int64     `json:"loan_id"`
	Amount        int64     `json:"amount" doc:"minor units of currency"`
	AmountDisplay string    `json:"amount_display" doc:"amount formatted in the tenant's locale"`
	Currency      string    `json:"currency"`
	PaidAt        time.Time `json:"paid_at" doc:"when the money was received"`
	RecordedBy    *int64    `json:"recorded_by" doc:"the user who recorded it; null once that user is deleted"`
	CreatedAt     time.Time `json:"created_at"`
}

// Receipt is a recorded payment with its loan as the payment left it.
type Receipt struct {
	Payment
	Loan *Loan `json:"loan"`
}

// PaymentFields are what a payment is made of.
type PaymentFields struct {
	Amount   int64      `json:"amount" minimum:"1" maximum:"10000000000000" doc:"minor units; at most the loan's outstanding balance"`
	Currency string     `json:"currency,omitempty" maxLength:"3" doc:"ISO 4217; default the loan's, and it must be the loan's"`
	PaidAt   *time.Time `json:"paid_at,omitempty" doc:"when the money was received; default now; not in the future nor before the disbursement"`
}

type listPaymentsInput struct {
	api.Bearer
	ID     int64 `path:"id" minimum:"1" doc:"the loan's id"`
	Limit  int   `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"page size"`
	Offset int64 `query:"offset" minimum:"0" default:"0" doc:"entries to skip"`
}

type recordPaymentInput struct {
	api.Bearer
	ID   int64 `path:"id" minimum:"1" doc:"the loan's id"`
	Body PaymentFields
}

type paymentsOutput struct{ Body api.Page[Payment] }

type receiptOutput struct {
	Location string `header:"Location" doc:"the loan's payments"`
	Body     *Receipt
}

// clockSkew is how far in the future a paid_at may be: the client's clock
// may run ahead of the server's.
const clockSkew = 5 * time.Minute

func listPayments(ctx context.Context, in *listPaymentsInput, b *pgx.Batch) (*paymentsOutput, error) {
	t, err := tenantry.Require(ctx)
	if err != nil {
		return nil, err
	}
	m := moneyFor(t)
	out := &paymentsOutput{Body: api.Page[Payment]{Limit: in.Limit, Offset: in.Offset}}
	b.Queue(loanExistsSQL, in.ID).QueryRow(func(row pgx.Row) error {
		var exists bool
		if err := row.Scan(&exists); err != nil {
			return fmt.Errorf("look up loan %d: %w", in.ID, err)
		}
		if !exists {
			return loanNotFound(in.ID)
		}
		return nil
	})
	b.Queue(listPaymentsSQL, in.ID, in.Limit, in.Offset).Query(func(rows pgx.Rows) error {
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Payment, error) {
			p, err := scanPayment(r, m)
			if err != nil {
				return Payment{}, err
			}
			return *p, nil
		})
		out.Body.Results = list
		return err
	})
	queueCount(b, &out.Body.Count, "count payments", countPaymentsSQL, in.ID)
	return out, nil
}

// recordPayment records a payment against a disbursed loan: 404 for no
// loan, 409 for a loan that is not disbursed, 422 for another currency, an
// amount above the outstanding balance or, without partial payments
// (FeaturePartialPayments), below it.
func recordPayment(ctx context.Context, c *api.Context, in *recordPaymentInput) (*receiptOutput, error) {
	l, err := lockLoan(ctx, c.Tx, in.ID)
	if err != nil {
		return nil, err
	}
	f := in.Body
	if err := checkPayment(c.Tenant, l, &f); err != nil {
		return nil, err
	}
	m := moneyFor(c.Tenant)
	p, err := scanPayment(c.Tx.QueryRow(ctx, recordPaymentSQL, l.id, f.Amount, l.currency, f.PaidAt, c.User.ID), m)
	if err != nil {
		return nil, dbError(err, fmt.Sprintf("record a payment on loan %d", l.id), nil)
	}
	loan, err := readLoan(ctx, c.Tx, c.Tenant, l.id)
	if err != nil {
		return nil, err
	}
	return &receiptOutput{Location: fmt.Sprintf("/api/loans/%d/payments/", l.id), Body: &Receipt{Payment: *p, Loan: loan}}, nil
}

// checkPayment applies the payment rules to f against locked loan l.
func checkPayment(t *tenantry.Tenant, l *lockedLoan, f *PaymentFields) error {
	m := moneyFor(t)
	if f.Currency != "" {
		code, err := parseCurrency("currency", f.Currency)
		if err != nil {
			return err
		}
		if code != l.currency {
			return huma.Error422UnprocessableEntity(fmt.Sprintf("loan %d is in %s: a payment in %s cannot be recorded against it", l.id, l.currency, code))
		}
	}
	if l.status != StatusDisbursed {
		return huma.Error409Conflict(fmt.Sprintf("loan %d is %s: payments are recorded only against disbursed loans", l.id, l.status))
	}
	outstanding := l.totalDue - l.paid
	if f.Amount > outstanding {
		return huma.Error422UnprocessableEntity(fmt.Sprintf("%s is more than loan %d's outstanding balance of %s",
			m.display(f.Amount, l.currency), l.id, m.display(outstanding, l.currency)))
	}
	if f.Amount < outstanding && !settingsOf(t).partialPayments {
		return huma.Error422UnprocessableEntity(fmt.Sprintf("partial payments are off for this lender (%s): a payment must settle loan %d's outstanding balance of %s",
			FeaturePartialPayments, l.id, m.display(outstanding, l.currency)))
	}
	return checkPaidAt(l, f.PaidAt)
}

// checkPaidAt refuses a paid_at in the future or before the disbursement.
func checkPaidAt(l *lockedLoan, at *time.Time) error {
	switch {
	case at == nil:
		return nil
	case at.After(time.Now().Add(clockSkew)):
		return huma.Error422UnprocessableEntity(fmt.Sprintf("paid_at %s is in the future", at.Format(time.RFC3339)))
	case l.disbursedAt != nil && at.Before(*l.disbursedAt):
		return huma.Error422UnprocessableEntity(fmt.Sprintf("paid_at %s is before loan %d was disbursed (%s)",
			at.Format(time.RFC3339), l.id, l.disbursedAt.UTC().Format(time.RFC3339)))
	}
	return nil
}

// scanPayment reads one payment and formats its amount with m.
func scanPayment(row pgx.Row, m money) (*Payment, error) {
	var p Payment
	err := row.Scan(&p.ID, &p.LoanID, &p.Amount, &p.Currency, &p.PaidAt, &p.RecordedBy, &p.CreatedAt)
	if err != nil {
		return nil, err
	}
	p.AmountDisplay = m.display(p.Amount, p.Currency)
	p.PaidAt, p.CreatedAt = p.PaidAt.UTC(), p.CreatedAt.UTC()
	return &p, nil
}
