package mail

import (
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"
)

func TestServerURLDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url                string
		port               int
		policy             gomail.TLSPolicy
		implicitTLS        bool
		user, pass         string
		skipVerify, noAuth bool
	}{
		{url: "smtp://mail.example.com", port: 25, policy: gomail.TLSOpportunistic},
		{url: "smtp://ana@mail.example.com", port: 587, policy: gomail.TLSOpportunistic, user: "ana"},
		{url: "smtp://ana%40example.com:p%40ss%3Aw@h/", port: 587, policy: gomail.TLSOpportunistic, user: "ana@example.com", pass: "p@ss:w"},
		{url: "smtp://h:2525?tls=none", port: 2525, policy: gomail.NoTLS},
		{url: "smtp://h?tls=required", port: 25, policy: gomail.TLSMandatory},
		{url: "smtp://h?tls=opportunistic&insecure_skip_verify=1", port: 25, policy: gomail.TLSOpportunistic, skipVerify: true},
		{url: "smtps://h", port: 465, policy: gomail.NoTLS, implicitTLS: true},
		{url: "smtps://u:p@h:2465?insecure_skip_verify=true", port: 2465, policy: gomail.NoTLS, implicitTLS: true, user: "u", pass: "p", skipVerify: true},
	}
	for _, tt := range tests {
		s, err := parseServerURL(tt.url)
		if err != nil {
			t.Errorf("parseServerURL(%q): %v", tt.url, err)
			continue
		}
		if s.port != tt.port || s.policy != tt.policy || s.implicitTLS != tt.implicitTLS ||
			s.user != tt.user || s.pass != tt.pass || s.skipVerify != tt.skipVerify {
			t.Errorf("parseServerURL(%q) = %+v", tt.url, *s)
		}
	}
}

func TestFirstLink(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, want string }{
		{"Verify: https://app.example/v?t=1&x=2.", "https://app.example/v?t=1&x=2"},
		{"(see http://localhost:8080/verify)", "http://localhost:8080/verify"},
		{"<https://a.example/x>, then https://b.example", "https://a.example/x"},
		{"link:https://a.example/x!", "https://a.example/x"},
		{"http:// alone, then https://b.example/", "https://b.example/"},
		{"ftp://files.example and mailto:x@y", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := firstLink(tt.text); got != tt.want {
			t.Errorf("firstLink(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestOutboxNameIsSortableAndUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		name := outboxName(fixedTime)
		if seen[name] {
			t.Fatalf("outboxName repeated %s", name)
		}
		seen[name] = true
	}
	if got := outboxName(fixedTime)[:27]; got != "20261123T195501.123456789Z-" {
		t.Errorf("outboxName prefix = %q", got)
	}
}

var fixedTime = time.Date(2026, 11, 23, 20, 55, 1, 123456789, time.FixedZone("CET", 3600))
