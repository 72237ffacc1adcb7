package lms_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/examples/lms/lms"
)

// TestBadInputIsRefusedWithA4xx sends what a client might get wrong, or an
// attacker might try, and wants a 4xx naming the problem, never a 500.
func TestBadInputIsRefusedWithA4xx(t *testing.T) {
	f := setup(t, "")
	b := f.borrower(t, "Bea Bad")
	f.must(t, http.StatusCreated, lms.RoleSuperadmin, "POST", "/api/borrowers/", map[string]any{"name": "Ida Unique", "national_id": "X-1"}, nil)
	loan := func(m map[string]any) map[string]any {
		out := map[string]any{"borrower_id": b.ID, "principal": 1000, "interest_rate_bps": 100, "term_months": 12}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		name, method, path string
		body               any
		want               int
		says               string // part of the message
	}{
		{"blank name", "POST", "/api/borrowers/", map[string]any{"name": "   "}, 422, "blank"},
		{"no name", "POST", "/api/borrowers/", map[string]any{"email": "a@b.example"}, 422, "name"},
		{"NUL in name", "POST", "/api/borrowers/", map[string]any{"name": "a\x00b"}, 422, ""},
		{"bad email", "POST", "/api/borrowers/", map[string]any{"name": "E", "email": "not an address"}, 422, "email"},
		{"bad phone", "POST", "/api/borrowers/", map[string]any{"name": "P", "phone": "call me"}, 422, "phone"},
		{"duplicate national id", "POST", "/api/borrowers/", map[string]any{"name": "Ida Again", "national_id": " X-1 "}, 409, "national_id"},
		{"patch to a blank name", "PATCH", borrowerPath(b.ID), map[string]any{"name": ""}, 422, ""},
		{"empty patch", "PATCH", borrowerPath(b.ID), map[string]any{}, 422, "nothing to change"},
		{"not JSON", "POST", "/api/borrowers/", "{name:", 400, ""},
		{"negative principal", "POST", "/api/loans/", loan(map[string]any{"principal": -5}), 422, "principal"},
		{"huge principal", "POST", "/api/loans/", loan(map[string]any{"principal": 1e19}), 422, ""},
		{"fractional principal", "POST", "/api/loans/", loan(map[string]any{"principal": 10.5}), 422, ""},
		{"unknown currency", "POST", "/api/loans/", loan(map[string]any{"currency": "ABC"}), 422, "ISO 4217"},
		{"long currency", "POST", "/api/loans/", loan(map[string]any{"currency": "EURO"}), 422, ""},
		{"negative rate", "POST", "/api/loans/", loan(map[string]any{"interest_rate_bps": -1}), 422, ""},
		{"zero term", "POST", "/api/loans/", loan(map[string]any{"term_months": 0}), 422, ""},
		{"unknown borrower", "POST", "/api/loans/", loan(map[string]any{"borrower_id": 987654}), 422, "borrower 987654"},
		{"unknown status", "PATCH", "/api/loans/1/", map[string]any{"status": "paid"}, 422, ""},
		{"unknown status filter", "GET", "/api/loans/?status=late", nil, 422, ""},
		{"id not a number", "GET", "/api/loans/abc/", nil, 422, ""},
		{"no such loan", "GET", "/api/loans/424242/", nil, 404, "loan 424242"},
		{"no such borrower", "DELETE", "/api/borrowers/424242/", nil, 404, "borrower 424242"},
		{"payment with a bad date", "POST", paymentsPath(1), map[string]any{"amount": 1, "paid_at": "yesterday"}, 422, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.as(t, lms.RoleSuperadmin, c.method, c.path, c.body)
			if r.Status != c.want || !strings.Contains(r.Body, c.says) {
				t.Errorf("%d %s, want %d saying %q", r.Status, r.Body, c.want, c.says)
			}
		})
	}
	// a borrower with loans stays
	f.loan(t, loan(nil))
	if r := f.as(t, lms.RoleAdmin, "DELETE", borrowerPath(b.ID), nil); r.Status != http.StatusConflict {
		t.Errorf("delete a borrower with loans: %d %s, want 409", r.Status, r.Body)
	}
}
