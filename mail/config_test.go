package mail_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/mail"
)

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     mail.Config
		wantErr string
	}{
		{"no URL and no outbox", mail.Config{}, "OutboxDir is required"},
		{"http URL", mail.Config{URL: "http://x"}, `scheme "http" is not smtp or smtps`},
		{"no host", mail.Config{URL: "smtp://"}, "no host"},
		{"opaque URL", mail.Config{URL: "smtp:mail.example.com"}, "no host"},
		{"port not a number", mail.Config{URL: "smtp://h:notaport"}, "invalid port"},
		{"port zero", mail.Config{URL: "smtp://h:0"}, "from 1 to 65535"},
		{"port too large", mail.Config{URL: "smtp://h:70000"}, "from 1 to 65535"},
		{"path", mail.Config{URL: "smtp://h/inbox"}, `unexpected path "/inbox"`},
		{"unknown tls policy", mail.Config{URL: "smtp://h?tls=maybe"}, "want none, opportunistic or required"},
		{"tls on smtps", mail.Config{URL: "smtps://h?tls=none"}, "smtp:// only"},
		{"bad boolean", mail.Config{URL: "smtp://h?insecure_skip_verify=perhaps"}, "not a boolean"},
		{"unknown parameter", mail.Config{URL: "smtp://h?starttls=1"}, `unknown parameter "starttls"`},
		{"no scheme", mail.Config{URL: "mail.example.com:25"}, "URL"},
		{"bad From for SMTP", mail.Config{URL: "smtp://h", From: "no at sign"}, "From"},
		{"bad From for outbox", mail.Config{OutboxDir: "x", From: "Tenantry <a@b"}, "From"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := mail.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestBadURLErrorsHideThePassword(t *testing.T) {
	t.Parallel()
	for _, rawURL := range []string{
		"smtp://ana:hunter2@h:notaport",
		"smtp://ana:hunter2@h?tls=maybe",
		"smtp://ana:hunter2@h/path",
		"http://ana:hunter2@h",
		"smtp://ana:hunter2%zz@h",
		"smtp://ana:hunter2@h:99999",
		"smtp://ana:hunter2@[::1",
	} {
		_, err := mail.NewSMTP(rawURL, "")
		if err == nil {
			t.Errorf("NewSMTP(%q) succeeded", rawURL)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("NewSMTP(%q) error reveals the password: %v", rawURL, err)
		}
	}
}

func TestNewPicksTransportByURL(t *testing.T) {
	t.Parallel()
	s, err := mail.New(mail.Config{URL: "smtps://ana:hunter2@mail.example.com"})
	if err != nil {
		t.Fatalf("New with URL: %v", err)
	}
	if smtp, ok := s.(*mail.SMTP); !ok || smtp.String() != "smtps://ana:xxxxx@mail.example.com" {
		t.Errorf("New with URL = %#v, want *SMTP with the password masked", s)
	}
	o, err := mail.New(mail.Config{OutboxDir: filepath.Join(t.TempDir(), "out")})
	if err != nil {
		t.Fatalf("New without URL: %v", err)
	}
	if _, ok := o.(*mail.Outbox); !ok {
		t.Errorf("New without URL = %T, want *Outbox", o)
	}
}

func TestDefaultFromIsUsed(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverConfig{})
	s, err := mail.NewSMTP(ts.url("smtp", "", ""), "")
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	if err := s.Send(t.Context(), welcome); err != nil {
		t.Fatalf("Send: %v", err)
	}
	d := onlyDelivery(t, ts)
	if from := parseMessage(t, d.data).from; d.from != "no-reply@localhost" || from.Name != "Tenantry" {
		t.Errorf("sent from %q, header From %v; want Tenantry <no-reply@localhost>", d.from, from)
	}
}
