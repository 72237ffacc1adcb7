package lms

import (
	"encoding/json"
	"testing"

	"github.com/tenantry/tenantry"
)

func TestAmountsAreShownInTheTenantsLocale(t *testing.T) {
	cases := []struct {
		locale, currency string
		minor            int64
		want             string
	}{
		{"en", "USD", 123456, "$ 1,234.56"},
		{"de", "EUR", 123456, "€ 1.234,56"},
		{"en", "JPY", 123456, "¥ 123,456"},
		{"en", "BHD", 1234567, "BHD 1,234.567"},
		{"en", "EUR", MaxAmount, "€ 100,000,000,000.00"},
		{"not a locale!", "EUR", 5, "€ 0.05"},
		{"en", "ABC", 1234, "ABC 12.34"}, // not ISO 4217: a tenant's stored code shown as is
	}
	for _, c := range cases {
		got := moneyFor(&tenantry.Tenant{Locale: c.locale}).display(c.minor, c.currency)
		if got != c.want {
			t.Errorf("%d %s in %s: %q, want %q", c.minor, c.currency, c.locale, got, c.want)
		}
	}
}

func TestCurrenciesAreISO4217(t *testing.T) {
	for code, want := range map[string]string{"EUR": "EUR", " usd ": "USD", "XXX": "", "ABC": "", "EURO": "", "": "", "€": ""} {
		got, err := parseCurrency("currency", code)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("parseCurrency(%q) = %q, %v; want %q", code, got, err, want)
		}
	}
}

func TestSettingsFromFeatures(t *testing.T) {
	limit := func(n int64) *int64 { return &n }
	cases := []struct {
		features string
		partial  bool
		limit    *int64
	}{
		{`{}`, true, nil},
		{`{"payments.partial": false}`, false, nil},
		{`{"payments.partial": "no"}`, true, nil},
		{`{"loans.officer_limit": 500000}`, true, limit(500000)},
		{`{"loans.officer_limit": "lots"}`, true, limit(0)}, // a mistyped limit closes, never opens
		{`{"loans.officer_limit": -1}`, true, limit(0)},
	}
	for _, c := range cases {
		s := settingsOf(&tenantry.Tenant{Features: json.RawMessage(c.features)})
		if s.partialPayments != c.partial || (s.officerLimit == nil) != (c.limit == nil) ||
			(s.officerLimit != nil && *s.officerLimit != *c.limit) {
			t.Errorf("%s: %+v", c.features, s)
		}
	}
}
