package provision

import (
	"errors"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // time zones are checked the same on every machine
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/tenantry/tenantry"
)

// Request describes a tenant to create. Slug, Name and Domain are required;
// the rest have defaults.
type Request struct {
	Slug     string // [a-z][a-z0-9_]*; the schema is tenant_<slug>
	Name     string // display name, 1 to 200 characters
	Domain   string // primary domain, e.g. acme.example.com
	Locale   string // well-formed BCP 47 tag; default "en"
	Timezone string // IANA name; default "UTC"
	Currency string // ISO 4217 code; default "USD"
	Plan     string // default "free"
	Admin    *Admin // the first user, optional
}

// Admin is a tenant's first user. One of Password and PasswordHash is
// required.
type Admin struct {
	Username string
	Email    string
	Password string
	// PasswordHash, when set, is an argon2id hash from auth.HashPassword
	// stored as it is (Password is then ignored and may be empty): a signup
	// hashes the password when it is typed and creates the tenant later.
	PasswordHash string
	Role         string // default owner
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// normalize fills in defaults and validates every field, returning the first
// problem as a *tenantry.ValidationError.
func (r *Request) normalize(static []string) error {
	r.Slug = strings.TrimSpace(r.Slug)
	r.Name = strings.TrimSpace(r.Name)
	r.Locale = orDefault(r.Locale, "en")
	r.Timezone = orDefault(r.Timezone, "UTC")
	r.Currency = strings.ToUpper(orDefault(r.Currency, "USD"))
	r.Plan = orDefault(r.Plan, "free")
	if err := tenantry.ValidateSlug(r.Slug, static...); err != nil {
		return err
	}
	if n := len([]rune(r.Name)); n == 0 || n > 200 {
		return invalid("name", r.Name, "must be 1 to 200 characters")
	}
	if badText(r.Name) {
		return invalid("name", "", "must be valid UTF-8 text without control characters")
	}
	domain, err := tenantry.ValidateDomain(r.Domain)
	if err != nil {
		return err
	}
	r.Domain = domain
	return r.validateSettings()
}

func (r *Request) validateSettings() error {
	if !wellFormedLocale(r.Locale) {
		return invalid("locale", r.Locale, "must be a BCP 47 language tag such as en or pt-BR")
	}
	if _, err := time.LoadLocation(r.Timezone); err != nil || r.Timezone == "Local" {
		return invalid("timezone", r.Timezone, "must be an IANA time zone such as Europe/Paris or UTC")
	}
	if !currencyPattern.MatchString(r.Currency) {
		return invalid("currency", r.Currency, "must be a three-letter ISO 4217 code such as EUR")
	}
	if len(r.Plan) > 64 {
		return invalid("plan", r.Plan, "must be at most 64 characters")
	}
	if badText(r.Plan) {
		return invalid("plan", "", "must be valid UTF-8 text without control characters")
	}
	return nil
}

// wellFormedLocale reports whether locale is a BCP 47 tag of at most 35
// bytes. A tag that is well-formed but has a subtag the library does not
// know yet (a language registered since) is taken: the registry grows.
func wellFormedLocale(locale string) bool {
	if len(locale) > 35 {
		return false
	}
	_, err := language.Parse(locale)
	var unknown language.ValueError
	return err == nil || errors.As(err, &unknown)
}

// badText reports invalid UTF-8 or a control character (NUL included).
func badText(s string) bool {
	return !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl)
}

func orDefault(s, def string) string {
	if s = strings.TrimSpace(s); s == "" {
		return def
	}
	return s
}

func invalid(field, value, reason string) error {
	return &tenantry.ValidationError{Field: field, Value: value, Reason: reason}
}
