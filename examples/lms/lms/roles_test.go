package lms_test

import (
	"fmt"
	"testing"

	"github.com/tenantry/tenantry/examples/lms/lms"
)

func TestRolesAreEnforced(t *testing.T) {
	f := setup(t, "")
	b := f.borrower(t, "Rosa Roles")
	newLoan := map[string]any{"borrower_id": b.ID, "principal": 50000, "interest_rate_bps": 1000, "term_months": 6}
	// each case gets loans of its own, so that cases do not depend on
	// each other's order
	draft := func() int64 { return f.loan(t, newLoan).ID }
	approved := func() int64 { return f.loan(t, newLoan, lms.StatusApproved).ID }
	disbursed := func() int64 { return f.loan(t, newLoan, lms.StatusApproved, lms.StatusDisbursed).ID }
	pay := map[string]any{"amount": 1000}
	cases := []struct {
		role, method string
		path         func() string
		body         any
		want         int
	}{
		{lms.RoleViewer, "GET", func() string { return "/api/loans/" }, nil, 200},
		{lms.RoleViewer, "GET", func() string { return borrowerPath(b.ID) }, nil, 200},
		{lms.RoleViewer, "GET", func() string { return paymentsPath(disbursed()) }, nil, 200},
		{lms.RoleViewer, "POST", func() string { return "/api/borrowers/" }, map[string]any{"name": "V"}, 403},
		{lms.RoleViewer, "POST", func() string { return "/api/loans/" }, newLoan, 403},
		{lms.RoleViewer, "POST", func() string { return paymentsPath(disbursed()) }, pay, 403},
		{lms.RoleViewer, "GET", func() string { return "/api/users/" }, nil, 403},
		{lms.RoleCollector, "GET", func() string { return "/api/borrowers/" }, nil, 200},
		{lms.RoleCollector, "POST", func() string { return "/api/loans/" }, newLoan, 403},
		{lms.RoleCollector, "PATCH", func() string { return loanPath(draft()) }, map[string]any{"status": "approved"}, 403},
		{lms.RoleCollector, "DELETE", func() string { return borrowerPath(b.ID) }, nil, 403},
		{lms.RoleCollector, "POST", func() string { return paymentsPath(disbursed()) }, pay, 201},
		{lms.RoleLoanOfficer, "POST", func() string { return "/api/borrowers/" }, map[string]any{"name": "L"}, 201},
		{lms.RoleLoanOfficer, "POST", func() string { return "/api/loans/" }, newLoan, 201},
		{lms.RoleLoanOfficer, "PATCH", func() string { return loanPath(draft()) }, map[string]any{"status": "approved"}, 200},
		{lms.RoleLoanOfficer, "PATCH", func() string { return loanPath(approved()) }, map[string]any{"status": "disbursed"}, 200},
		{lms.RoleLoanOfficer, "POST", func() string { return paymentsPath(disbursed()) }, pay, 403},
		{lms.RoleLoanOfficer, "GET", func() string { return "/api/users/" }, nil, 403},
		{lms.RoleAdmin, "PATCH", func() string { return loanPath(draft()) }, map[string]any{"status": "approved"}, 200},
		{lms.RoleAdmin, "POST", func() string { return paymentsPath(disbursed()) }, pay, 201},
		{lms.RoleAdmin, "GET", func() string { return "/api/users/" }, nil, 200},
		{lms.RoleAdmin, "GET", func() string { return "/api/audit/" }, nil, 200},
		{lms.RoleAdmin, "POST", func() string { return "/api/users/" },
			map[string]any{"username": "boss2", "email": "boss2@alpha.test", "password": "a long password", "role": lms.RoleSuperadmin}, 403},
		{lms.RoleSuperadmin, "POST", func() string { return "/api/users/" },
			map[string]any{"username": "boss3", "email": "boss3@alpha.test", "password": "a long password", "role": lms.RoleSuperadmin}, 201},
		{lms.RoleSuperadmin, "PATCH", func() string { return loanPath(disbursed()) }, map[string]any{"status": "defaulted"}, 200},
	}
	for _, c := range cases {
		path := c.path()
		t.Run(fmt.Sprintf("%s %s %s", c.role, c.method, path), func(t *testing.T) {
			if r := f.as(t, c.role, c.method, path, c.body); r.Status != c.want {
				t.Errorf("%d %s, want %d", r.Status, r.Body, c.want)
			}
		})
	}
}

func TestOfficerLimitBindsOfficersOnly(t *testing.T) {
	f := setup(t, `{"loans.officer_limit": 100000}`) // 1,000.00 of alpha's USD
	b := f.borrower(t, "Lena Limit")
	small := map[string]any{"borrower_id": b.ID, "principal": 100000, "interest_rate_bps": 0, "term_months": 3}
	large := map[string]any{"borrower_id": b.ID, "principal": 100001, "interest_rate_bps": 0, "term_months": 3}
	euros := map[string]any{"borrower_id": b.ID, "principal": 500, "currency": "EUR", "interest_rate_bps": 0, "term_months": 3}
	approve := map[string]any{"status": "approved"}
	cases := []struct {
		name   string
		role   string
		fields map[string]any
		want   int
	}{
		{"officer within the limit", lms.RoleLoanOfficer, small, 200},
		{"officer above the limit", lms.RoleLoanOfficer, large, 403},
		{"officer in another currency", lms.RoleLoanOfficer, euros, 403},
		{"admin above the limit", lms.RoleAdmin, large, 200},
		{"superadmin in another currency", lms.RoleSuperadmin, euros, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := f.loan(t, c.fields)
			if r := f.as(t, c.role, "PATCH", loanPath(l.ID), approve); r.Status != c.want {
				t.Errorf("approve: %d %s, want %d", r.Status, r.Body, c.want)
			}
		})
	}
	// disbursing is bound as approving is
	l := f.loan(t, large, lms.StatusApproved)
	if r := f.as(t, lms.RoleLoanOfficer, "PATCH", loanPath(l.ID), map[string]any{"status": "disbursed"}); r.Status != 403 {
		t.Errorf("officer disbursing above the limit: %d %s", r.Status, r.Body)
	}
}
