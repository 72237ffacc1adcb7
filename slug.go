package tenantry

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// SchemaPrefix starts the schema name of every dynamic tenant: the slug acme
// lives in the schema tenant_acme.
const SchemaPrefix = "tenant_"

// MaxIdentifierBytes is PostgreSQL's limit on the length of an identifier
// such as a schema or role name; the server silently truncates longer ones.
const MaxIdentifierBytes = 63

// maxSlugBytes is the longest slug whose schema name fits MaxIdentifierBytes.
const maxSlugBytes = MaxIdentifierBytes - len(SchemaPrefix)

// maxValueBytes bounds ValidationError.Value, so a hostile 10 KB input is
// neither kept alive nor logged whole.
const maxValueBytes = 128

// Reasons given in ValidationErrors. The lengths are spelled out, rather
// than formatted, so that refusing hostile input allocates nothing for them.
const (
	reasonSlugPattern       = "must start with a lower-case letter and contain only a-z, 0-9 and _"
	reasonSlugTooLong       = "is longer than 56 bytes"  // maxSlugBytes
	reasonIdentifierTooLong = "is longer than 63 bytes"  // MaxIdentifierBytes
	reasonHostTooLong       = "is longer than 253 bytes" // maxHostBytes
)

// ValidateSlug returns nil if slug may name a dynamic tenant, and otherwise a
// *ValidationError (Field "slug") naming the rule it breaks. A slug is
// lower-case [a-z][a-z0-9_]*, 1 to 56 bytes long (so that SchemaPrefix+slug
// fits MaxIdentifierBytes), and is not reserved: public, main,
// information_schema, anything starting pg_ or _tenantry, and any of the
// configured static schema names in static (compared with the slug and with
// its schema name).
func ValidateSlug(slug string, static ...string) error {
	if reason := slugProblem(slug); reason != "" {
		return validationError("slug", slug, reason)
	}
	for _, name := range static {
		if slug == name || SchemaName(slug) == name {
			return validationError("slug", slug, "is reserved: it is the name of a static schema")
		}
	}
	return nil
}

// slugProblem returns the rule slug breaks, or "" if it is a valid slug.
func slugProblem(slug string) string {
	if slug == "" {
		return "must not be empty"
	}
	if len(slug) > maxSlugBytes {
		return reasonSlugTooLong
	}
	if reason := reservedProblem(slug); reason != "" {
		return reason
	}
	if !isIdentifier(slug, false) {
		return reasonSlugPattern
	}
	return ""
}

// reservedProblem explains why name is reserved, or returns "".
func reservedProblem(name string) string {
	switch {
	case isPostgresName(name):
		return "is reserved for PostgreSQL"
	case name == "public" || name == "main":
		return "is reserved for the platform's own schemas"
	case strings.HasPrefix(name, "_tenantry"):
		return "is reserved for tenantry's spare and template schemas"
	}
	return ""
}

// isPostgresName reports whether name belongs to PostgreSQL's own schemas.
func isPostgresName(name string) bool {
	return strings.HasPrefix(name, "pg_") || name == "information_schema"
}

// isIdentifier reports whether s is [a-z][a-z0-9_]*, or [a-z_][a-z0-9_]*
// when leadingUnderscore is set.
func isIdentifier(s string, leadingUnderscore bool) bool {
	if s == "" || !isLower(s[0]) && !(leadingUnderscore && s[0] == '_') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLower(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// validationError returns a *ValidationError whose Value keeps at most
// maxValueBytes of value, cut at a rune boundary.
func validationError(field, value, reason string) *ValidationError {
	if len(value) > maxValueBytes {
		n := maxValueBytes
		for n > 0 && !utf8.RuneStart(value[n]) {
			n--
		}
		value = strings.Clone(value[:n])
	}
	return &ValidationError{Field: field, Value: value, Reason: reason}
}

// SchemaName returns the schema of the dynamic tenant slug: SchemaPrefix+slug.
// It does not validate slug; call ValidateSlug first.
func SchemaName(slug string) string { return SchemaPrefix + slug }

// SlugFromSchema is the inverse of SchemaName: it returns the slug of a
// dynamic tenant's schema, and false if schema is not SchemaPrefix followed
// by a valid slug (so public, static schemas and spares give false).
func SlugFromSchema(schema string) (string, bool) {
	slug, ok := strings.CutPrefix(schema, SchemaPrefix)
	if !ok || slugProblem(slug) != "" {
		return "", false
	}
	return slug, true
}

// ValidateSchemaName returns nil if tenantry may create or touch a schema
// called name (public, static, tenant and spare schemas alike), and otherwise
// a *ValidationError (Field "schema"). The name must be [a-z_][a-z0-9_]*, at
// most MaxIdentifierBytes long, and must not be information_schema or start
// with pg_.
func ValidateSchemaName(name string) error {
	reason := ""
	switch {
	case name == "":
		reason = "must not be empty"
	case len(name) > MaxIdentifierBytes:
		reason = reasonIdentifierTooLong
	case isPostgresName(name):
		reason = "is reserved for PostgreSQL"
	case !isIdentifier(name, true):
		reason = "must start with a lower-case letter or _ and contain only a-z, 0-9 and _"
	}
	if reason != "" {
		return validationError("schema", name, reason)
	}
	return nil
}

// Slugify turns a company name into a slug that passes ValidateSlug:
// "Café Zürich GmbH" becomes cafe_zurich_gmbh. Letters are transliterated to
// ASCII (accents dropped; ß, æ, œ, ø, ł, đ, ð, þ and a few more spelled out),
// apostrophes are dropped (McDonald's -> mcdonalds), every other run of
// characters that are not a-z or 0-9 becomes one _, and leading and trailing
// _ are trimmed. Letters of other scripts (Cyrillic, Greek, CJK, ...) are not
// transliterated and count as separators.
//
// A result that would start with a digit or be reserved gets the prefix t_
// ("123 Go" -> t_123_go, "Public" -> t_public, "PG&E" -> t_pg_e). A result
// longer than 56 bytes is cut at the last _ within the limit, if that keeps at
// least half of it, else at the limit; it never ends in _.
//
// Slugify does not know the configured static schemas or existing tenants:
// check the result with ValidateSlug(slug, static...) and use WithSuffix on a
// collision. A name with no letters or digits it can use (empty, emoji only)
// gives a *ValidationError with Field "name".
func Slugify(name string) (string, error) {
	slug := transliterate(name)
	if slug == "" {
		return "", validationError("name", name, "has no letters or digits to make a slug from")
	}
	if isDigit(slug[0]) || reservedProblem(slug) != "" {
		slug = "t_" + slug
	}
	return truncateAtWord(slug, maxSlugBytes), nil
}

// transliterate maps name to lower-case a-z, 0-9 and single _ between words.
func transliterate(name string) string {
	var b strings.Builder
	gap := false
	for _, r := range norm.NFKD.String(name) {
		if unicode.Is(unicode.M, r) || isApostrophe(r) {
			continue
		}
		ascii := asciiFor(unicode.ToLower(r))
		if ascii == "" {
			gap = b.Len() > 0
			continue
		}
		if gap {
			b.WriteByte('_')
			gap = false
		}
		b.WriteString(ascii)
	}
	return b.String()
}

// latinLetters spells out the letters that NFKD does not decompose.
var latinLetters = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d",
	'þ': "th", 'ı': "i", 'ħ': "h", 'ŧ': "t", 'ŋ': "n", 'ĸ': "k", 'ƒ': "f",
}

// asciiFor returns the ASCII spelling of the lower-case rune r, or "" if r
// separates words.
func asciiFor(r rune) string {
	if r < utf8.RuneSelf && (isLower(byte(r)) || isDigit(byte(r))) {
		return string(r)
	}
	return latinLetters[r]
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }

// truncateAtWord shortens slug to at most limit bytes, preferring to cut at a
// _ that keeps at least half of the limit, and never leaves a trailing _.
func truncateAtWord(slug string, limit int) string {
	if len(slug) <= limit {
		return slug
	}
	if slug[limit] == '_' {
		return slug[:limit]
	}
	cut := slug[:limit]
	if i := strings.LastIndexByte(cut, '_'); i >= limit/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, "_")
}

// WithSuffix returns slug with the collision suffix _n (acme -> acme_2),
// cutting slug first so that the result still fits in 56 bytes; a cut never
// leaves a double _. The result is a valid slug when slug is one and n >= 0.
func WithSuffix(slug string, n int) string {
	suffix := "_" + strconv.Itoa(n)
	if keep := maxSlugBytes - len(suffix); len(slug) > keep {
		slug = strings.TrimRight(slug[:keep], "_")
	}
	return slug + suffix
}
