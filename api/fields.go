package api

import (
	"regexp"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/signup"
)

// The text fields of request bodies whose rules go beyond a length: each a
// string type that declares its schema (huma.SchemaProvider), which huma
// checks before the handler runs and the OpenAPI document publishes. Each
// schema is at most as wide as the library's own validation, so a body the
// schema accepts is refused only for the state of things (a name taken, a
// role the caller may not give), never for its form; the few rules JSON
// Schema cannot say are in the operation's description.
//
// Patterns use the common subset of RE2 (huma) and ECMA-262 (JSON Schema):
// character classes with \xHH escapes, and characters above U+00FF written
// as themselves.

// controlFree is text without control characters (C0, DEL and C1).
const controlFree = `^[^\x00-\x1f\x7f-\x9f]*$`

// notBlank is text without control characters and with at least one
// character that is not a space of any script (unicode.IsSpace).
const notBlank = `^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0` +
	"\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000" + `][^\x00-\x1f\x7f-\x9f]*$`

// emailPattern is a bare address: a dot-atom local part, and a domain of at
// least two labels of letters, digits and inner hyphens. net/mail, which
// the library validates with, takes every one. Spaces around it are
// trimmed, as the library does.
const emailPattern = `^ *[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+([.][A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*` +
	`@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?([.][A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+ *$`

// domainPattern is an ASCII host name of at least two labels of at most 63
// characters, none starting or ending with '-', the last starting with a
// letter (so never an IP address or an all-digit label); one trailing dot
// is allowed.
const domainPattern = `^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?[.])+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?[.]?$`

func ptr[T any](v T) *T { return &v }

func text(minLen, maxLen int, pattern, what string) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, MinLength: ptr(minLen), MaxLength: ptr(maxLen),
		Pattern: pattern, PatternDescription: what}
}

type emailText string

func (emailText) Schema(huma.Registry) *huma.Schema {
	s := text(5, 254, emailPattern, "an email address such as ana@example.com")
	s.Format = "email"
	return s
}

type usernameText string

func (usernameText) Schema(huma.Registry) *huma.Schema {
	return text(1, 150, `^ *[A-Za-z0-9_.@+-]+ *$`, "a username: letters, digits and _ . @ + -")
}

// passwordText is a new password: auth.MinPasswordLen to MaxPasswordLen
// characters.
type passwordText string

func (passwordText) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, MinLength: ptr(8), MaxLength: ptr(256)}
}

type companyText string

func (companyText) Schema(huma.Registry) *huma.Schema {
	return text(1, signup.MaxCompanyLen, signup.CompanyPattern,
		"a name with a letter or digit and no control characters")
}

type tenantNameText string

func (tenantNameText) Schema(huma.Registry) *huma.Schema {
	return text(1, 200, notBlank, "a name that is not blank and has no control characters")
}

// slugText is a slug's form. The slugs of PostgreSQL's and the platform's
// own schemas (pg_..., public, main, information_schema, the static
// schemas) have it too: they are taken, and get 409 like any taken slug.
type slugText string

func (slugText) Schema(huma.Registry) *huma.Schema {
	return text(1, 56, `^[a-z][a-z0-9_]*$`, "a slug: a lower-case letter, then a-z, 0-9 and _")
}

type domainText string

func (domainText) Schema(huma.Registry) *huma.Schema {
	return text(4, 253, domainPattern, "an ASCII domain name such as acme.example.com")
}

// localeText is a BCP 47 tag of the common shape language[-Script][-REGION].
type localeText string

func (localeText) Schema(huma.Registry) *huma.Schema {
	return text(0, 35, `^([A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?)?$`,
		"a BCP 47 language tag such as en or pt-BR")
}

type timezoneText string

// Schema declares the zones as a pattern, not an enum: the message for a
// name outside an enum of 600 would list them all.
func (timezoneText) Schema(huma.Registry) *huma.Schema {
	return text(0, 64, timezonePattern(), "an IANA time zone such as Europe/Paris or UTC")
}

// timezonePattern matches "" (the default) and provision.TimeZones.
var timezonePattern = sync.OnceValue(func() string {
	zones := provision.TimeZones()
	quoted := make([]string, len(zones))
	for i, z := range zones {
		quoted[i] = regexp.QuoteMeta(z)
	}
	return "^(" + strings.Join(quoted, "|") + ")?$"
})

type currencyText string

func (currencyText) Schema(huma.Registry) *huma.Schema {
	return text(0, 3, `^([A-Za-z]{3})?$`, "a three-letter ISO 4217 code such as EUR")
}

type planText string

func (planText) Schema(huma.Registry) *huma.Schema {
	return text(0, 64, controlFree, "a plan's name without control characters")
}
