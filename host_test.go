package tenantry_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
)

const (
	ruleChars     = "may contain only letters a-z, digits 0-9, '-' and '.'"
	ruleEmptyPart = "has an empty label"
	rulePort      = "has a port that is not a number from 1 to 65535"
	rulePunycode  = "use the punycode (xn--) form"
	ruleLabelLen  = "has a label longer than 63 bytes"
	ruleHyphen    = "has a label that starts or ends with '-'"
	ruleTooLong   = "is longer than 253 bytes"
)

var (
	label63 = strings.Repeat("a", 63)
	// host253 is the longest valid host name: four labels, 253 bytes.
	host253 = label63 + "." + label63 + "." + label63 + "." + strings.Repeat("a", 61)
)

func TestNormalizeHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want, reason string // reason "" means success
	}{
		{"plain", "acme.example.com", "acme.example.com", ""},
		{"case and trailing dot", "ACME.Example.COM.", "acme.example.com", ""},
		{"port", "acme.localhost:8000", "acme.localhost", ""},
		{"highest port", "acme.localhost:65535", "acme.localhost", ""},
		{"trailing dot and port", "Acme.Localhost.:8000", "acme.localhost", ""},
		{"single label", "localhost", "localhost", ""},
		{"punycode", "xn--caf-dma.example.com", "xn--caf-dma.example.com", ""},
		{"inner hyphen", "ac-me.example.com", "ac-me.example.com", ""},
		{"label of 63 bytes", label63 + ".example.com", label63 + ".example.com", ""},
		{"253 bytes", host253, host253, ""},
		{"253 bytes, trailing dot and port", host253 + ".:65535", host253, ""},
		{"ipv4", "127.0.0.1", "127.0.0.1", ""},
		{"ipv4 and port", "127.0.0.1:8000", "127.0.0.1", ""},
		{"ipv6 and port", "[::1]:8000", "[::1]", ""},
		{"ipv6", "[::1]", "[::1]", ""},
		{"ipv6 made canonical", "[0:0:0:0:0:0:0:1]", "[::1]", ""},
		{"ipv6 upper case", "[2001:DB8::1]:443", "[2001:db8::1]", ""},
		{"empty", "", "", ruleEmpty},
		{"port only", ":8000", "", ruleEmpty},
		{"dot", ".", "", ruleEmpty},
		{"two dots", "..", "", ruleEmptyPart},
		{"leading dot", ".acme.example.com", "", ruleEmptyPart},
		{"double dot", "acme..example.com", "", ruleEmptyPart},
		{"two trailing dots", "acme.example.com..", "", ruleEmptyPart},
		{"port too big", "acme.localhost:99999", "", rulePort},
		{"port not a number", "acme.localhost:abc", "", rulePort},
		{"empty port", "acme.localhost:", "", rulePort},
		{"port zero", "acme.localhost:0", "", rulePort},
		{"negative port", "acme.localhost:-1", "", rulePort},
		{"signed port", "acme.localhost:+80", "", rulePort},
		{"two ports", "acme.localhost:80:80", "", ruleChars},
		{"254 bytes", host253 + "a", "", ruleTooLong},
		{"10 KB", strings.Repeat("a", 10<<10), "", ruleTooLong},
		{"label of 64 bytes", label63 + "a.example.com", "", ruleLabelLen},
		{"underscore", "a_b.example.com", "", ruleChars},
		{"unicode", "café.example.com", "", rulePunycode},
		{"cyrillic lookalike", "\u0430cme.example.com", "", rulePunycode},
		{"header injection", "evil.com\r\nX: y", "", ruleChars},
		{"path", "acme.localhost/../x", "", ruleChars},
		{"userinfo after", "acme.localhost@evil", "", ruleChars},
		{"userinfo before", "user@acme.localhost", "", ruleChars},
		{"space", "acme.example.com ", "", ruleChars},
		{"nul", "acme\x00.example.com", "", ruleChars},
		{"leading hyphen", "-acme.example.com", "", ruleHyphen},
		{"trailing hyphen", "acme-.example.com", "", ruleHyphen},
		{"bare ipv6", "::1", "", ruleChars},
		{"unclosed bracket", "[::1", "", "without a matching ']'"},
		{"junk after bracket", "[::1]x", "", "not a port"},
		{"ipv6 bad port", "[::1]:abc", "", rulePort},
		{"ipv6 zone", "[fe80::1%25eth0]", "", "invalid IPv6"},
		{"ipv4 in brackets", "[127.0.0.1]", "", "invalid IPv6"},
		{"name in brackets", "[acme.localhost]", "", "invalid IPv6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tenantry.NormalizeHost(tt.in)
			if tt.reason == "" {
				if err != nil || got != tt.want {
					t.Fatalf("NormalizeHost(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
				}
				return
			}
			if got != "" {
				t.Errorf("NormalizeHost(%q) = %q with an error, want \"\"", tt.in, got)
			}
			wantValidation(t, err, "host", tt.reason)
		})
	}
}

func TestNormalizeHostRefusesHugeHeaderCheaply(t *testing.T) {
	huge := strings.Repeat("a.", 5<<10) + "com"
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := tenantry.NormalizeHost(huge); err == nil {
			t.Fatal("a 10 KB host was accepted")
		}
	})
	// The error and a 128-byte copy of the value; nothing sized by the input.
	if allocs > 2 {
		t.Fatalf("refusing a 10 KB host made %v allocations, want at most 2", allocs)
	}
}

func TestIsIPHost(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"127.0.0.1":      true,
		"[::1]":          true,
		"::1":            true,
		"[2001:db8::1]":  true,
		"acme.localhost": false,
		"localhost":      false,
		"1.2.3":          false,
		"[acme]":         false,
		"":               false,
	}
	for h, want := range tests {
		if got := tenantry.IsIPHost(h); got != want {
			t.Errorf("IsIPHost(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestValidateDomain(t *testing.T) {
	t.Parallel()
	const (
		ruleIP   = "must be a domain name, not an IP address"
		ruleDot  = "must contain at least one dot"
		rulePort = "must not include a port"
	)
	tests := []struct {
		name, in, want, reason string // reason "" means success
	}{
		{"plain", "acme.example.com", "acme.example.com", ""},
		{"localhost subdomain", "acme.localhost", "acme.localhost", ""},
		{"case and trailing dot", "ACME.Example.COM.", "acme.example.com", ""},
		{"punycode", "xn--caf-dma.example.com", "xn--caf-dma.example.com", ""},
		{"numeric label", "123.example.com", "123.example.com", ""},
		{"253 bytes", host253, host253, ""},
		{"empty", "", "", ruleEmpty},
		{"no dot", "acme", "", ruleDot},
		{"localhost", "localhost", "", ruleDot},
		{"localhost with trailing dot", "localhost.", "", ruleDot},
		{"port", "acme.localhost:8000", "", rulePort},
		{"ipv4", "127.0.0.1", "", ruleIP},
		{"ipv6", "[::1]", "", ruleIP},
		{"bare ipv6", "::1", "", ruleIP},
		{"numeric top label", "1.2.3", "", "must not end in an all-digit label"},
		{"unicode", "café.example.com", "", rulePunycode},
		{"underscore", "a_b.example.com", "", ruleChars},
		{"path", "acme.com/path", "", ruleChars},
		{"userinfo", "acme.localhost@evil", "", ruleChars},
		{"sql", "acme.com'; drop table domains;--", "", ruleChars},
		{"double dot", "acme..example.com", "", ruleEmptyPart},
		{"leading dot", ".acme.example.com", "", ruleEmptyPart},
		{"label of 64 bytes", label63 + "a.example.com", "", ruleLabelLen},
		{"leading hyphen", "-acme.example.com", "", ruleHyphen},
		{"254 bytes", host253 + "a", "", ruleTooLong},
		{"10 KB", strings.Repeat("a", 10<<10), "", ruleTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tenantry.ValidateDomain(tt.in)
			if tt.reason == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ValidateDomain(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
				}
				return
			}
			if got != "" {
				t.Errorf("ValidateDomain(%q) = %q with an error, want \"\"", tt.in, got)
			}
			wantValidation(t, err, "domain", tt.reason)
		})
	}
}

func ExampleNormalizeHost() {
	for _, h := range []string{"ACME.Example.COM.:8000", "[::1]:8000", "a_b.example.com"} {
		host, err := tenantry.NormalizeHost(h)
		fmt.Printf("%q %v %v\n", host, tenantry.IsIPHost(host), err)
	}
	// Output:
	// "acme.example.com" false <nil>
	// "[::1]" true <nil>
	// "" false invalid host "a_b.example.com": may contain only letters a-z, digits 0-9, '-' and '.'
}

func FuzzNormalizeHost(f *testing.F) {
	for _, s := range []string{"acme.localhost:8000", "ACME.Example.COM.", "[::1]:8000", "127.0.0.1", "acme..example.com", "evil.com\r\nX: y", "[::ffff:1.2.3.4]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		got, err := tenantry.NormalizeHost(host)
		if err != nil {
			if !tenantry.IsValidation(err) {
				t.Fatalf("NormalizeHost(%q) = %T, want a *ValidationError", host, err)
			}
			return
		}
		again, err := tenantry.NormalizeHost(got)
		if again != got || err != nil {
			t.Fatalf("NormalizeHost(%q) = %q, but that normalises to %q, %v", host, got, again, err)
		}
		if domain, err := tenantry.ValidateDomain(got); err == nil && domain != got {
			t.Fatalf("ValidateDomain(%q) = %q, want it unchanged", got, domain)
		}
	})
}
