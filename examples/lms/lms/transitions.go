package lms

import (
	"fmt"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
)

// Status is where a loan is in its life.
type Status string

// The statuses of a loan. A loan is made a draft; only a disbursed loan
// takes payments, and the payment that settles it closes it.
const (
	StatusDraft     Status = "draft"
	StatusApproved  Status = "approved"
	StatusDisbursed Status = "disbursed"
	StatusClosed    Status = "closed"
	StatusDefaulted Status = "defaulted"
)

// move is one change of status a user may ask for, and the permission it
// takes. limited moves are also bound by the officer limit.
type move struct {
	from, to Status
	perm     auth.Permission
	limited  bool
	what     string
}

// moves are the loans' rules: every change of status a PATCH may make.
// Disbursed to closed is not among them: the payment that settles a loan
// closes it.
var moves = []move{
	{StatusDraft, StatusApproved, LoansApprove, true, "approve"},
	{StatusDraft, StatusClosed, LoansWrite, false, "withdraw"},
	{StatusApproved, StatusDraft, LoansWrite, false, "reopen for changes"},
	{StatusApproved, StatusDisbursed, LoansApprove, true, "disburse"},
	{StatusApproved, StatusClosed, LoansWrite, false, "withdraw"},
	{StatusDisbursed, StatusDefaulted, LoansApprove, false, "mark defaulted"},
	{StatusDefaulted, StatusClosed, LoansApprove, false, "write off"},
}

// lockedLoan is what the rules of a change or a payment read of a loan.
type lockedLoan struct {
	id                        int64
	status                    Status
	principal, totalDue, paid int64
	currency                  string
	disbursedAt               *time.Time
}

// checkMove checks that user may move l to status to in tenant t: 409 for a
// move the rules do not have, 403 for one the user's role may not make or
// that is above the officer limit.
func checkMove(policy auth.Policy, t *tenantry.Tenant, u *auth.User, l *lockedLoan, to Status) error {
	mv, ok := findMove(l.status, to)
	if !ok {
		return huma.Error409Conflict(noMove(l, to, moneyFor(t)))
	}
	if !policy.Allows(u.Role, mv.perm) {
		return huma.Error403Forbidden(fmt.Sprintf("to %s a loan takes the %s permission, which the role %s lacks", mv.what, mv.perm, u.Role))
	}
	if mv.limited && !policy.Allows(u.Role, LoansApproveAny) {
		return checkLimit(t, l, mv.what)
	}
	return nil
}

// checkLimit applies the tenant's officer limit to a user without
// loans:approve_any.
func checkLimit(t *tenantry.Tenant, l *lockedLoan, what string) error {
	limit := settingsOf(t).officerLimit
	if limit == nil {
		return nil
	}
	m := moneyFor(t)
	if l.currency != t.DefaultCurrency || l.principal > *limit {
		return huma.Error403Forbidden(fmt.Sprintf("loan %d (%s) is above your limit of %s: someone with %s must %s it",
			l.id, m.display(l.principal, l.currency), m.display(*limit, t.DefaultCurrency), LoansApproveAny, what))
	}
	return nil
}

func findMove(from, to Status) (move, bool) {
	for _, mv := range moves {
		if mv.from == from && mv.to == to {
			return mv, true
		}
	}
	return move{}, false
}

// noMove explains why l cannot go to status to, naming where it can go.
func noMove(l *lockedLoan, to Status, m money) string {
	switch {
	case l.status == to:
		return fmt.Sprintf("loan %d is %s already", l.id, to)
	case l.status == StatusDraft && to == StatusDisbursed:
		return fmt.Sprintf("loan %d is a draft: approve it before disbursing it", l.id)
	case l.status == StatusDisbursed && to == StatusClosed:
		return fmt.Sprintf("loan %d has %s outstanding: it closes when the payment that settles it is recorded",
			l.id, m.display(l.totalDue-l.paid, l.currency))
	}
	var next []string
	for _, mv := range moves {
		if mv.from == l.status {
			next = append(next, string(mv.to))
		}
	}
	if len(next) == 0 {
		return fmt.Sprintf("loan %d is %s: its status cannot change", l.id, l.status)
	}
	return fmt.Sprintf("loan %d cannot go from %s to %s; from %s it may go to %s", l.id, l.status, to, l.status, strings.Join(next, ", "))
}
