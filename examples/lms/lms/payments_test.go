package lms_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/examples/lms/lms"
)

func TestPaymentsReduceTheBalanceAndSettlingClosesTheLoan(t *testing.T) {
	f := setup(t, "")
	l := f.disbursed(t)
	if l.TotalDue != 112000 || l.Outstanding != 112000 || l.OutstandingDisplay != "$ 1,120.00" {
		t.Fatalf("new loan: total %d outstanding %d %q, want 112000 ($ 1,120.00)", l.TotalDue, l.Outstanding, l.OutstandingDisplay)
	}
	var rc lms.Receipt
	f.must(t, http.StatusCreated, lms.RoleCollector, "POST", paymentsPath(l.ID), map[string]any{"amount": 12000}, &rc)
	if rc.Amount != 12000 || rc.AmountDisplay != "$ 120.00" || rc.Currency != "USD" || rc.Loan.Outstanding != 100000 || rc.Loan.Status != lms.StatusDisbursed {
		t.Errorf("first payment: %+v, loan %+v", rc.Payment, rc.Loan)
	}
	r := f.as(t, lms.RoleCollector, "POST", paymentsPath(l.ID), map[string]any{"amount": 100001})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "$ 1,000.00") {
		t.Errorf("over-payment: %d %s, want 422 naming the balance", r.Status, r.Body)
	}
	f.must(t, http.StatusCreated, lms.RoleCollector, "POST", paymentsPath(l.ID), map[string]any{"amount": 100000, "currency": "usd"}, &rc)
	if rc.Loan.Outstanding != 0 || rc.Loan.Status != lms.StatusClosed || rc.Loan.ClosedAt == nil {
		t.Errorf("settling payment left the loan %+v", rc.Loan)
	}
	if r := f.as(t, lms.RoleCollector, "POST", paymentsPath(l.ID), map[string]any{"amount": 1}); r.Status != http.StatusConflict {
		t.Errorf("payment on a closed loan: %d %s, want 409", r.Status, r.Body)
	}
	var page struct {
		Count   int64
		Results []lms.Payment
	}
	f.must(t, http.StatusOK, lms.RoleViewer, "GET", paymentsPath(l.ID), nil, &page)
	if page.Count != 2 || len(page.Results) != 2 {
		t.Errorf("payments: %+v", page)
	}
}

func TestPaymentRules(t *testing.T) {
	f := setup(t, "")
	l := f.disbursed(t)
	b := f.borrower(t, "Pat Pending")
	newLoan := map[string]any{"borrower_id": b.ID, "principal": 1000, "interest_rate_bps": 0, "term_months": 1}
	draft := f.loan(t, newLoan)
	approved := f.loan(t, newLoan, lms.StatusApproved)
	cases := []struct {
		name string
		loan int64
		body map[string]any
		want int
	}{
		{"on a draft", draft.ID, map[string]any{"amount": 100}, http.StatusConflict},
		{"on an approved loan", approved.ID, map[string]any{"amount": 100}, http.StatusConflict},
		{"on no loan", 999999, map[string]any{"amount": 100}, http.StatusNotFound},
		{"in another currency", l.ID, map[string]any{"amount": 100, "currency": "EUR"}, http.StatusUnprocessableEntity},
		{"in no currency", l.ID, map[string]any{"amount": 100, "currency": "ZZZ"}, http.StatusUnprocessableEntity},
		{"of zero", l.ID, map[string]any{"amount": 0}, http.StatusUnprocessableEntity},
		{"negative", l.ID, map[string]any{"amount": -100}, http.StatusUnprocessableEntity},
		{"above the balance", l.ID, map[string]any{"amount": 112001}, http.StatusUnprocessableEntity},
		{"in the future", l.ID, map[string]any{"amount": 100, "paid_at": time.Now().AddDate(0, 1, 0)}, http.StatusUnprocessableEntity},
		{"before disbursement", l.ID, map[string]any{"amount": 100, "paid_at": time.Now().AddDate(0, -1, 0)}, http.StatusUnprocessableEntity},
		{"partial", l.ID, map[string]any{"amount": 100}, http.StatusCreated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if r := f.as(t, lms.RoleCollector, "POST", paymentsPath(c.loan), c.body); r.Status != c.want {
				t.Errorf("%d %s, want %d", r.Status, r.Body, c.want)
			}
		})
	}
	var got lms.Loan
	f.must(t, http.StatusOK, lms.RoleViewer, "GET", loanPath(l.ID), nil, &got)
	if got.Paid != 100 {
		t.Errorf("paid %d after the refused payments and one of 100", got.Paid)
	}
}

func TestPartialPaymentsCanBeTurnedOff(t *testing.T) {
	f := setup(t, `{"payments.partial": false}`)
	l := f.disbursed(t)
	r := f.as(t, lms.RoleCollector, "POST", paymentsPath(l.ID), map[string]any{"amount": 100})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "payments.partial") {
		t.Errorf("partial payment with payments.partial false: %d %s, want 422", r.Status, r.Body)
	}
	var rc lms.Receipt
	f.must(t, http.StatusCreated, lms.RoleCollector, "POST", paymentsPath(l.ID), map[string]any{"amount": l.Outstanding}, &rc)
	if rc.Loan.Status != lms.StatusClosed {
		t.Errorf("settling payment left the loan %s", rc.Loan.Status)
	}
}

func TestLoanStatusMoves(t *testing.T) {
	f := setup(t, "")
	b := f.borrower(t, "Max Moves")
	newLoan := map[string]any{"borrower_id": b.ID, "principal": 1000, "interest_rate_bps": 0, "term_months": 1}
	cases := []struct {
		from []lms.Status // how to get there from a draft
		to   lms.Status
		want int
	}{
		{nil, lms.StatusDisbursed, http.StatusConflict}, // a draft is approved first
		{nil, lms.StatusDefaulted, http.StatusConflict},
		{nil, lms.StatusDraft, http.StatusConflict},
		{nil, lms.StatusClosed, http.StatusOK}, // withdrawn
		{[]lms.Status{lms.StatusApproved}, lms.StatusDraft, http.StatusOK},
		{[]lms.Status{lms.StatusApproved}, lms.StatusDefaulted, http.StatusConflict},
		{[]lms.Status{lms.StatusApproved, lms.StatusDisbursed}, lms.StatusClosed, http.StatusConflict}, // closes when paid
		{[]lms.Status{lms.StatusApproved, lms.StatusDisbursed}, lms.StatusApproved, http.StatusConflict},
		{[]lms.Status{lms.StatusApproved, lms.StatusDisbursed, lms.StatusDefaulted}, lms.StatusClosed, http.StatusOK},
		{[]lms.Status{lms.StatusClosed}, lms.StatusDraft, http.StatusConflict},
	}
	for _, c := range cases {
		t.Run(string(c.to)+" after "+strings.Join(statusNames(c.from), ","), func(t *testing.T) {
			l := f.loan(t, newLoan, c.from...)
			r := f.as(t, lms.RoleAdmin, "PATCH", loanPath(l.ID), map[string]any{"status": c.to})
			if r.Status != c.want {
				t.Errorf("%d %s, want %d", r.Status, r.Body, c.want)
			}
		})
	}
	// terms change only in a draft, and a return to draft clears approval
	l := f.loan(t, newLoan, lms.StatusApproved)
	if r := f.as(t, lms.RoleLoanOfficer, "PATCH", loanPath(l.ID), map[string]any{"principal": 2000}); r.Status != http.StatusConflict {
		t.Errorf("changing an approved loan's principal: %d %s", r.Status, r.Body)
	}
	f.must(t, http.StatusOK, lms.RoleLoanOfficer, "PATCH", loanPath(l.ID), map[string]any{"status": "draft"}, &l)
	f.must(t, http.StatusOK, lms.RoleLoanOfficer, "PATCH", loanPath(l.ID), map[string]any{"principal": 2000, "currency": "eur", "term_months": 12, "interest_rate_bps": 600}, &l)
	if l.ApprovedAt != nil || l.Principal != 2000 || l.Currency != "EUR" || l.TotalDue != 2120 || l.PrincipalDisplay != "€ 20.00" {
		t.Errorf("after reopening and changing: %+v", l)
	}
}

func statusNames(ss []lms.Status) []string {
	out := []string{"draft"}
	for _, s := range ss {
		out = append(out, string(s))
	}
	return out
}
