package lms

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/tenantry/tenantry"
)

// MaxAmount is the largest principal or payment, in minor units: amounts
// up to it (and a loan's total due) format exactly.
const MaxAmount = 10_000_000_000_000

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// parseCurrency checks an ISO 4217 code (any case, surrounding spaces
// ignored) and returns it in upper case, or a 422 naming it.
func parseCurrency(field, code string) (string, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if u, err := currency.ParseISO(code); err != nil || u == (currency.Unit{}) || !currencyCode.MatchString(code) {
		return "", huma.Error422UnprocessableEntity(fmt.Sprintf("%s %q is not an ISO 4217 currency code", field, code))
	}
	return code, nil
}

// money formats amounts in one tenant's locale.
type money struct{ p *message.Printer }

// moneyFor formats in t's locale; English when t is nil (a static schema)
// or its locale is not a BCP 47 tag.
func moneyFor(t *tenantry.Tenant) money {
	tag := language.English
	if t != nil {
		if parsed, err := language.Parse(t.Locale); err == nil {
			tag = parsed
		}
	}
	return money{message.NewPrinter(tag)}
}

// display formats minor units of code with its symbol and the locale's
// separators: 123456 EUR is "€ 1,234.56" in English, "€ 1.234,56" in
// German; 1234 JPY is "¥ 1,234". A code unknown to CLDR is shown with two
// decimals after the code.
func (m money) display(minor int64, code string) string {
	u, err := currency.ParseISO(code)
	if err != nil || u == (currency.Unit{}) {
		return fmt.Sprintf("%s %d.%02d", code, minor/100, abs(minor%100))
	}
	return m.p.Sprint(currency.NarrowSymbol(u.Amount(float64(minor) / math.Pow10(scale(code)))))
}

// scale is the number of decimals of code's minor unit: 2 for EUR, 0 for
// JPY, 3 for BHD; 2 for a code unknown to CLDR.
func scale(code string) int {
	u, err := currency.ParseISO(code)
	if err != nil || u == (currency.Unit{}) {
		return 2
	}
	s, _ := currency.Standard.Rounding(u)
	return s
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
