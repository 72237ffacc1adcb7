package lms

import (
	"context"
	"errors"
	"fmt"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
)

// loanPatch is a change of a loan: its terms, while it is a draft, and its
// status, by the rules of moves.
type loanPatch struct {
	Status          *Status `json:"status,omitempty" enum:"draft,approved,disbursed,closed,defaulted" doc:"the status to move to"`
	Principal       *int64  `json:"principal,omitempty" minimum:"1" maximum:"10000000000000" doc:"drafts only"`
	Currency        *string `json:"currency,omitempty" maxLength:"3" doc:"drafts only"`
	InterestRateBps *int    `json:"interest_rate_bps,omitempty" minimum:"0" maximum:"10000" doc:"drafts only"`
	TermMonths      *int    `json:"term_months,omitempty" minimum:"1" maximum:"480" doc:"drafts only"`
}

func (p *loanPatch) changesTerms() bool {
	return p.Principal != nil || p.Currency != nil || p.InterestRateBps != nil || p.TermMonths != nil
}

type patchLoanInput struct {
	api.Bearer
	ID   int64 `path:"id" minimum:"1" doc:"the loan's id"`
	Body loanPatch
}

// loanPatcher changes loans by the rules of the server's role table.
type loanPatcher struct{ policy auth.Policy }

// patch changes the terms given (a draft's), then moves the loan to the
// status given.
func (lp loanPatcher) patch(ctx context.Context, c *api.Context, in *patchLoanInput) (*loanOutput, error) {
	p := in.Body
	if p.Status == nil && !p.changesTerms() {
		return nil, huma.Error422UnprocessableEntity("nothing to change: give status or a draft's principal, currency, interest_rate_bps or term_months")
	}
	l, err := lockLoan(ctx, c.Tx, in.ID)
	if err != nil {
		return nil, err
	}
	if p.changesTerms() {
		if err := changeTerms(ctx, c, l, &p); err != nil {
			return nil, err
		}
	}
	if p.Status != nil {
		if err := checkMove(lp.policy, c.Tenant, c.User, l, *p.Status); err != nil {
			return nil, err
		}
		if _, err := c.Tx.Exec(ctx, moveLoanSQL, l.id, *p.Status, c.User.ID); err != nil {
			return nil, dbError(err, fmt.Sprintf("move loan %d to %s", l.id, *p.Status), nil)
		}
	}
	out, err := readLoan(ctx, c.Tx, c.Tenant, l.id)
	if err != nil {
		return nil, err
	}
	return &loanOutput{Body: out}, nil
}

// changeTerms sets a draft's terms and reads them back into l, so that a
// move in the same request judges the new principal and currency.
func changeTerms(ctx context.Context, c *api.Context, l *lockedLoan, p *loanPatch) error {
	if l.status != StatusDraft {
		return huma.Error409Conflict(fmt.Sprintf("loan %d is %s: only a draft's terms change (move it back to draft first)", l.id, l.status))
	}
	if p.Currency != nil {
		code, err := parseCurrency("currency", *p.Currency)
		if err != nil {
			return err
		}
		p.Currency = &code
	}
	_, err := c.Tx.Exec(ctx, updateLoanTermsSQL, l.id, p.Principal, p.Currency, p.InterestRateBps, p.TermMonths)
	if err != nil {
		return dbError(err, fmt.Sprintf("change loan %d", l.id), nil)
	}
	fresh, err := lockLoan(ctx, c.Tx, l.id)
	if err != nil {
		return err
	}
	*l = *fresh
	return nil
}

// lockLoan reads loan id for a change, locking it until the transaction
// ends: a 404 when there is none.
func lockLoan(ctx context.Context, tx pgx.Tx, id int64) (*lockedLoan, error) {
	l := &lockedLoan{id: id}
	err := tx.QueryRow(ctx, lockLoanSQL, id).Scan(&l.status, &l.principal, &l.currency, &l.totalDue, &l.paid, &l.disbursedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, loanNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("lock loan %d: %w", id, err)
	}
	return l, nil
}
