package api

import (
	"strings"
	"testing"
)

// FuzzBearerToken reads arbitrary Authorization headers. The token is
// trimmed, is found only after a "Bearer" scheme (in any case) and a space,
// and survives being written back into a header.
func FuzzBearerToken(f *testing.F) {
	for _, h := range []string{
		"Bearer a.b.c", "bearer a.b.c", "BEARER  a.b.c ", " Bearer\ta.b.c", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz",
		"Bearera.b.c", "Bearer a b", "Bearer\u00a0a.b.c", "\u00a0Bearer a", "Bearer \r\na.b.c", "", " ",
	} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok := Bearer{Authorization: h}.token()
		if tok != strings.TrimSpace(tok) {
			t.Fatalf("token(%q) = %q, not trimmed", h, tok)
		}
		if tok != "" {
			scheme, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(rest) != tok {
				t.Fatalf("token(%q) = %q, but the header's scheme is %q", h, tok, scheme)
			}
		}
		for _, scheme := range []string{"Bearer ", "bearer ", "BEARER "} {
			if again := (Bearer{Authorization: scheme + tok}).token(); again != tok {
				t.Fatalf("token(%q) = %q, but token(%q) = %q", h, tok, scheme+tok, again)
			}
		}
		if got := (Bearer{Authorization: "Basic " + h}).token(); got != "" {
			t.Fatalf("token(%q) = %q, want none for the Basic scheme", "Basic "+h, got)
		}
	})
}
