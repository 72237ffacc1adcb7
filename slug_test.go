package tenantry_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
)

// wantValidation fails t unless err is a *ValidationError for field whose
// Reason contains reason.
func wantValidation(t *testing.T, err error, field, reason string) {
	t.Helper()
	var ve *tenantry.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got error %v (%T), want a *ValidationError", err, err)
	}
	if ve.Field != field {
		t.Errorf("Field = %q, want %q", ve.Field, field)
	}
	if !strings.Contains(ve.Reason, reason) {
		t.Errorf("Reason = %q, want it to contain %q", ve.Reason, reason)
	}
	if len(ve.Value) > 128 {
		t.Errorf("Value keeps %d bytes of the input, want at most 128", len(ve.Value))
	}
}

const (
	rulePattern  = "must start with a lower-case letter and contain only a-z, 0-9 and _"
	ruleReserved = "is reserved"
	ruleEmpty    = "must not be empty"
)

func TestValidateSlug(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, slug string
		static     []string
		reason     string // "" means valid
	}{
		{"simple", "acme", nil, ""},
		{"one letter", "a", nil, ""},
		{"digits and underscores", "acme_2_b", nil, ""},
		{"trailing underscore", "acme_", nil, ""},
		{"56 bytes", strings.Repeat("a", 56), nil, ""},
		{"prefix of reserved", "pg", nil, ""},
		{"contains reserved", "mainly_public", nil, ""},
		{"looks like a schema", "tenant_acme", nil, ""},
		{"empty", "", nil, ruleEmpty},
		{"57 bytes", strings.Repeat("a", 57), nil, "is longer than 56 bytes"},
		{"64 bytes", strings.Repeat("a", 64), nil, "is longer than 56 bytes"},
		{"10 KB", strings.Repeat("a", 10<<10), nil, "is longer than 56 bytes"},
		{"sql injection", "acme; drop schema public", nil, rulePattern},
		{"single quote", "a'b", nil, rulePattern},
		{"double quote", `a"b`, nil, rulePattern},
		{"backslash", `a\b`, nil, rulePattern},
		{"nul byte", "acme\x00", nil, rulePattern},
		{"space", "acme co", nil, rulePattern},
		{"hyphen", "acme-co", nil, rulePattern},
		{"dot", "acme.co", nil, rulePattern},
		{"accented", "café", nil, rulePattern},
		{"cyrillic", "компания", nil, rulePattern},
		{"cyrillic lookalike a", "\u0430cme", nil, rulePattern},
		{"upper case", "Acme", nil, rulePattern},
		{"all upper case", "ACME", nil, rulePattern},
		{"leading digit", "1acme", nil, rulePattern},
		{"leading underscore", "_acme", nil, rulePattern},
		{"public", "public", nil, ruleReserved},
		{"main", "main", nil, ruleReserved},
		{"information_schema", "information_schema", nil, ruleReserved},
		{"pg_toast", "pg_toast", nil, ruleReserved},
		{"pg_catalog", "pg_catalog", nil, ruleReserved},
		{"pg_ alone", "pg_", nil, ruleReserved},
		{"spare schema", "_tenantry_spare_1", nil, ruleReserved},
		{"static name", "site", []string{"main", "site"}, ruleReserved},
		{"static schema name", "acme", []string{"tenant_acme"}, ruleReserved},
		{"not a static name", "acme", []string{"main", "site"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tenantry.ValidateSlug(tt.slug, tt.static...)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("ValidateSlug(%q) = %v, want nil", tt.slug, err)
				}
				return
			}
			wantValidation(t, err, "slug", tt.reason)
		})
	}
}

func TestSlugRoundTripsThroughSchemaName(t *testing.T) {
	t.Parallel()
	if got := tenantry.SchemaName("acme"); got != "tenant_acme" {
		t.Fatalf("SchemaName(acme) = %q, want tenant_acme", got)
	}
	longest := strings.Repeat("a", 56)
	if n := len(tenantry.SchemaName(longest)); n != tenantry.MaxIdentifierBytes {
		t.Fatalf("schema of the longest slug is %d bytes, want %d", n, tenantry.MaxIdentifierBytes)
	}
	tests := []struct {
		schema, slug string
		ok           bool
	}{
		{"tenant_acme", "acme", true},
		{"tenant_acme_2", "acme_2", true},
		{"tenant_" + longest, longest, true},
		{"tenant_", "", false},
		{"public", "", false},
		{"main", "", false},
		{"_tenantry_spare_1", "", false},
		{"tenantacme", "", false},
		{"tenant_Acme", "", false},
		{"tenant_public", "", false},
		{"tenant_pg_x", "", false},
		{"tenant_" + longest + "a", "", false},
	}
	for _, tt := range tests {
		slug, ok := tenantry.SlugFromSchema(tt.schema)
		if slug != tt.slug || ok != tt.ok {
			t.Errorf("SlugFromSchema(%q) = %q, %v; want %q, %v", tt.schema, slug, ok, tt.slug, tt.ok)
		}
	}
}

func TestValidateSchemaName(t *testing.T) {
	t.Parallel()
	const ruleSchema = "must start with a lower-case letter or _ and contain only a-z, 0-9 and _"
	tests := []struct {
		name, schema, reason string
	}{
		{"public", "public", ""},
		{"static", "main", ""},
		{"tenant", "tenant_acme", ""},
		{"spare", "_tenantry_spare_1", ""},
		{"63 bytes", strings.Repeat("a", 63), ""},
		{"empty", "", ruleEmpty},
		{"64 bytes", strings.Repeat("a", 64), "is longer than 63 bytes"},
		{"pg_toast", "pg_toast", "is reserved for PostgreSQL"},
		{"pg_catalog", "pg_catalog", "is reserved for PostgreSQL"},
		{"information_schema", "information_schema", "is reserved for PostgreSQL"},
		{"upper case", "Tenant_acme", ruleSchema},
		{"leading digit", "1tenant", ruleSchema},
		{"sql injection", "x; drop schema public cascade", ruleSchema},
		{"double quote", `tenant_"acme`, ruleSchema},
		{"accented", "café", ruleSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tenantry.ValidateSchemaName(tt.schema)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("ValidateSchemaName(%q) = %v, want nil", tt.schema, err)
				}
				return
			}
			wantValidation(t, err, "schema", tt.reason)
		})
	}
}

func TestSlugify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"accents", "Café Zürich GmbH", "cafe_zurich_gmbh"},
		{"punctuation", "Acme, Inc.", "acme_inc"},
		{"spaces and dashes", "  Foo--Bar  ", "foo_bar"},
		{"leading digit", "123 Go", "t_123_go"},
		{"sharp s", "Straße", "strasse"},
		{"nordic", "Ærøskøbing Þing", "aeroskobing_thing"},
		{"polish", "Łódź Spółka", "lodz_spolka"},
		{"croatian", "Đakovo d.o.o.", "dakovo_d_o_o"},
		{"ligatures", "Œuvre ﬁnance", "oeuvre_finance"},
		{"dotted capital I", "İstanbul", "istanbul"},
		{"full width", "Ｆｕｌｌ Ｗｉｄｔｈ", "full_width"},
		{"apostrophe", "McDonald's", "mcdonalds"},
		{"typographic apostrophe", "O’Brien & Sons", "obrien_sons"},
		{"sql", "Robert'); DROP TABLE tenants;--", "robert_drop_table_tenants"},
		{"quotes", `"Acme" 'Labs'`, "acme_labs"},
		{"control characters", "Acme\r\n\tLabs\x00", "acme_labs"},
		{"emoji between words", "Rocket 🚀 Labs", "rocket_labs"},
		{"other scripts are separators", "Café Москва", "cafe"},
		{"reserved public", "Public", "t_public"},
		{"reserved main", "Main", "t_main"},
		{"reserved information_schema", "Information Schema", "t_information_schema"},
		{"reserved pg_", "PG&E", "t_pg_e"},
		{"already a slug", "acme_2", "acme_2"},
		{"300 letters", strings.Repeat("a", 300), strings.Repeat("a", 56)},
		{"300 characters in words", strings.Repeat("Acme ", 60), strings.Repeat("acme_", 10) + "acme"},
		{"cut at the last word boundary", strings.Repeat("abcdefg ", 7) + "h", strings.Repeat("abcdefg_", 6) + "abcdefg"},
		{"word ends at the limit", strings.Repeat("abcdefg ", 6) + "abcdefgh x", strings.Repeat("abcdefg_", 6) + "abcdefgh"},
		{"300 digits", strings.Repeat("1", 300), "t_" + strings.Repeat("1", 54)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tenantry.Slugify(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("Slugify(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
			if err := tenantry.ValidateSlug(got); err != nil {
				t.Fatalf("Slugify(%q) = %q, which is not a valid slug: %v", tt.in, got, err)
			}
		})
	}
}

func TestSlugifyRefusesNamesWithoutLetters(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "   ", "---", "🚀🎉", "'''", "Газпром", "株式会社"} {
		got, err := tenantry.Slugify(in)
		if got != "" {
			t.Errorf("Slugify(%q) = %q, want \"\"", in, got)
		}
		wantValidation(t, err, "name", "has no letters or digits to make a slug from")
	}
}

func TestWithSuffix(t *testing.T) {
	t.Parallel()
	a56 := strings.Repeat("a", 56)
	tests := []struct {
		slug string
		n    int
		want string
	}{
		{"acme", 2, "acme_2"},
		{"acme_2", 3, "acme_2_3"},
		{a56, 2, strings.Repeat("a", 54) + "_2"},
		{a56, 1000, strings.Repeat("a", 51) + "_1000"},
		{strings.Repeat("a", 53) + "_bc", 2, strings.Repeat("a", 53) + "_2"},
		{strings.Repeat("a", 54), 2, strings.Repeat("a", 54) + "_2"},
	}
	for _, tt := range tests {
		got := tenantry.WithSuffix(tt.slug, tt.n)
		if got != tt.want {
			t.Errorf("WithSuffix(%q, %d) = %q, want %q", tt.slug, tt.n, got, tt.want)
		}
		if err := tenantry.ValidateSlug(got); err != nil {
			t.Errorf("WithSuffix(%q, %d) = %q, not a valid slug: %v", tt.slug, tt.n, got, err)
		}
	}
}

func ExampleSlugify() {
	slug, _ := tenantry.Slugify("Café Zürich GmbH")
	fmt.Println(slug, tenantry.SchemaName(slug))
	fmt.Println(tenantry.WithSuffix(slug, 2))
	_, err := tenantry.Slugify("🚀")
	fmt.Println(err)
	// Output:
	// cafe_zurich_gmbh tenant_cafe_zurich_gmbh
	// cafe_zurich_gmbh_2
	// invalid name "🚀": has no letters or digits to make a slug from
}

// slugRE and reservedRE restate the slug rules independently of slug.go.
var (
	slugRE     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,55}$`)
	reservedRE = regexp.MustCompile(`^(public|main|information_schema|pg_.*|_tenantry.*)$`)
)

func FuzzValidateSlug(f *testing.F) {
	for _, s := range []string{"acme", "", "public", "pg_toast", "_tenantry_spare_1", "a'b", "café", strings.Repeat("a", 57)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, slug string) {
		err := tenantry.ValidateSlug(slug)
		want := slugRE.MatchString(slug) && !reservedRE.MatchString(slug)
		if (err == nil) != want {
			t.Fatalf("ValidateSlug(%q) = %v, want valid = %v", slug, err, want)
		}
		if err != nil && !tenantry.IsValidation(err) {
			t.Fatalf("ValidateSlug(%q) = %T, want a *ValidationError", slug, err)
		}
	})
}

func FuzzSlugify(f *testing.F) {
	for _, s := range []string{"Café Zürich GmbH", "Acme, Inc.", "123 Go", "Straße", "Public", "🚀", strings.Repeat("Acme ", 60)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		slug, err := tenantry.Slugify(name)
		if err != nil {
			if !tenantry.IsValidation(err) {
				t.Fatalf("Slugify(%q) = %T, want a *ValidationError", name, err)
			}
			return
		}
		if err := tenantry.ValidateSlug(slug); err != nil {
			t.Fatalf("Slugify(%q) = %q, not a valid slug: %v", name, slug, err)
		}
		if again, err := tenantry.Slugify(slug); again != slug || err != nil {
			t.Fatalf("Slugify(%q) = %q, %v; want it unchanged", slug, again, err)
		}
	})
}
