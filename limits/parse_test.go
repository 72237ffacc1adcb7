package limits_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/limits"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want float64
		bad  string // part of the refusal's message
	}{
		{in: "10/s", want: 10},
		{in: "10", want: 10},
		{in: "600/m", want: 10},
		{in: "600/min", want: 10},
		{in: "36/hour", want: 0.01},
		{in: " 2.5/sec ", want: 2.5},
		{in: "0/s", bad: "more than zero"},
		{in: "0", bad: "more than zero"},
		{in: "-5/s", bad: "more than zero"},
		{in: "10/fortnight", bad: "unit must be"},
		{in: "10/", bad: "unit must be"},
		{in: "ten/s", bad: "number of requests"},
		{in: "NaN/s", bad: "number of requests"},
		{in: "Inf", bad: "number of requests"},
		{in: "1e9/s", bad: "from 1/h"},
		{in: "1/d", bad: "unit must be"},
		{in: "", bad: "number of requests"},
	}
	for _, tc := range tests {
		got, err := limits.ParseRate("rate", tc.in)
		switch {
		case tc.bad == "" && (err != nil || got != tc.want):
			t.Errorf("ParseRate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		case tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad) || !tenantry.IsValidation(err)):
			t.Errorf("ParseRate(%q) = %v, %v; want a validation error saying %q", tc.in, got, err, tc.bad)
		}
	}
}

func TestFormatRateReadsBack(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"10/s": "10/s", "1/m": "1/m", "7/h": "7/h", "2.5/s": "150/m", "90/m": "90/m",
		"0.3/s": "18/m", "0.123/s": "0.123/s"} {
		r, err := limits.ParseRate("rate", in)
		if err != nil {
			t.Fatal(err)
		}
		if got := limits.FormatRate(r); got != want {
			t.Errorf("FormatRate(ParseRate(%q)) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTimeoutAndCount(t *testing.T) {
	t.Parallel()
	if d, err := limits.ParseTimeout("statement_timeout", "2s"); err != nil || d != 2*time.Second {
		t.Errorf("2s: %v %v", d, err)
	}
	for _, in := range []string{"0", "0s", "-1s", "2 parsecs", "2", "25h", "1.5ms", "100us"} {
		if _, err := limits.ParseTimeout("statement_timeout", in); !tenantry.IsValidation(err) {
			t.Errorf("ParseTimeout(%q) = %v, want a validation error", in, err)
		}
	}
	if n, err := limits.ParseCount("max_users", "5", limits.MaxUsers); err != nil || n != 5 {
		t.Errorf("5: %v %v", n, err)
	}
	for _, in := range []string{"0", "-1", "1.5", "five", "99999999999"} {
		if _, err := limits.ParseCount("max_users", in, limits.MaxUsers); !tenantry.IsValidation(err) {
			t.Errorf("ParseCount(%q) = %v, want a validation error", in, err)
		}
	}
}

func TestPlanValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		plan  limits.Plan
		field string // "" for valid
	}{
		{"empty limits", limits.Plan{Name: "basic"}, ""},
		{"all limits", limits.Plan{Name: "pro-2", Rate: 10, Burst: 20, UserRate: 5, MaxTransactions: 3,
			StatementTimeout: 2 * time.Second, MaxUsers: 5, MaxJobs: 2, Quotas: map[string]int64{"items": 100},
			Features: map[string]bool{"exports": true}}, ""},
		{"upper-case name", limits.Plan{Name: "Pro"}, "plan"},
		{"name with a space", limits.Plan{Name: "pro plan"}, "plan"},
		{"negative rate", limits.Plan{Name: "p", Rate: -1}, "rate"},
		{"burst without a rate", limits.Plan{Name: "p", Burst: 5}, "burst"},
		{"negative burst", limits.Plan{Name: "p", Rate: 1, Burst: -1}, "burst"},
		{"absurd rate", limits.Plan{Name: "p", Rate: 1e12}, "rate"},
		{"negative max users", limits.Plan{Name: "p", MaxUsers: -1}, "max_users"},
		{"negative transactions", limits.Plan{Name: "p", MaxTransactions: -3}, "max_transactions"},
		{"absurd transactions", limits.Plan{Name: "p", MaxTransactions: 1 << 30}, "max_transactions"},
		{"negative timeout", limits.Plan{Name: "p", StatementTimeout: -time.Second}, "statement_timeout"},
		{"timeout of a week", limits.Plan{Name: "p", StatementTimeout: 7 * 24 * time.Hour}, "statement_timeout"},
		{"bad feature", limits.Plan{Name: "p", Features: map[string]bool{"Bad Feature": true}}, "features"},
		{"zero quota", limits.Plan{Name: "p", Quotas: map[string]int64{"items": 0}}, "quotas"},
	}
	for _, tc := range tests {
		err := tc.plan.Validate()
		var ve *tenantry.ValidationError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.field != "" && (!errorsAs(err, &ve) || ve.Field != tc.field):
			t.Errorf("%s: %v, want a validation error on %s", tc.name, err, tc.field)
		}
	}
}
