package lms_test

import (
	"net/http"
	"testing"

	"github.com/tenantry/tenantry/examples/lms/lms"
)

func TestAlphaTokenIsRefusedOnBeta(t *testing.T) {
	f := setup(t, "")
	l := f.disbursed(t)
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/borrowers/"}, {"GET", "/api/loans/"}, {"GET", loanPath(l.ID)},
		{"GET", paymentsPath(l.ID)}, {"POST", "/api/borrowers/"},
	} {
		var body any
		if c.method == "POST" {
			body = map[string]any{"name": "Intruder"}
		}
		if r := f.call(t, c.method, "beta.test", c.path, f.tokens[lms.RoleSuperadmin], body); r.Status != http.StatusUnauthorized {
			t.Errorf("%s %s on beta with alpha's token: %d %s, want 401", c.method, c.path, r.Status, r.Body)
		}
	}
}

func TestAlphaLoanIsNotFoundOnBeta(t *testing.T) {
	f := setup(t, "")
	l := f.disbursed(t)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", loanPath(l.ID), nil},
		{"PATCH", loanPath(l.ID), map[string]any{"status": "defaulted"}},
		{"GET", paymentsPath(l.ID), nil},
		{"POST", paymentsPath(l.ID), map[string]any{"amount": 100}},
		{"GET", borrowerPath(l.BorrowerID), nil},
		{"DELETE", borrowerPath(l.BorrowerID), nil},
		{"POST", "/api/loans/", map[string]any{"borrower_id": l.BorrowerID, "principal": 100, "interest_rate_bps": 0, "term_months": 1}},
	} {
		r := f.call(t, c.method, "beta.test", c.path, f.betaOwner, c.body)
		want := http.StatusNotFound
		if c.method == "POST" && c.path == "/api/loans/" {
			want = http.StatusUnprocessableEntity // the borrower named in the body is not beta's
		}
		if r.Status != want {
			t.Errorf("%s %s on beta: %d %s, want %d", c.method, c.path, r.Status, r.Body, want)
		}
	}
	var got lms.Loan
	f.must(t, http.StatusOK, lms.RoleViewer, "GET", loanPath(l.ID), nil, &got)
	if got.Status != lms.StatusDisbursed || got.Paid != 0 {
		t.Errorf("alpha's loan after beta's attempts: %+v", got)
	}
}
