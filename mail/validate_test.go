package mail_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/mail"
)

func TestInvalidMessagesArePermanentAndNeverSent(t *testing.T) {
	t.Parallel()
	ok := mail.Message{To: []string{"ana@example.com"}, Subject: "Hello", Text: "Hi"}
	with := func(change func(*mail.Message)) mail.Message {
		m := ok
		m.To = append([]string(nil), ok.To...)
		change(&m)
		return m
	}
	tests := []struct {
		name    string
		msg     mail.Message
		wantErr string
	}{
		{"no recipient", with(func(m *mail.Message) { m.To = nil }), "no recipient"},
		{"malformed address", with(func(m *mail.Message) { m.To = []string{"not-an-address"} }), `"not-an-address"`},
		{"display name", with(func(m *mail.Message) { m.To = []string{"Ana <ana@example.com>"} }), "bare address"},
		{"angle brackets", with(func(m *mail.Message) { m.To = []string{"<ana@example.com>"} }), "bare address"},
		{"surrounding space", with(func(m *mail.Message) { m.To = []string{" ana@example.com"} }), "bare address"},
		{"two in one", with(func(m *mail.Message) { m.To = []string{"a@example.com, b@example.com"} }), "recipient"},
		{"header injection in address", with(func(m *mail.Message) { m.To = []string{"a@example.com\r\nBcc: x@y"} }), "recipient"},
		{"one bad among good", with(func(m *mail.Message) { m.To = append(m.To, "bad@") }), `"bad@"`},
		{"header injection in subject", with(func(m *mail.Message) { m.Subject = "a\r\nBcc: x@y" }), "line break"},
		{"bare LF in subject", with(func(m *mail.Message) { m.Subject = "a\nb" }), "line break"},
		{"control character in subject", with(func(m *mail.Message) { m.Subject = "a\x00b" }), "control character"},
		{"subject too long", with(func(m *mail.Message) { m.Subject = strings.Repeat("é", 500) }), "longer than 998"},
		{"subject not UTF-8", with(func(m *mail.Message) { m.Subject = "caf\xe9" }), "UTF-8"},
		{"empty text", with(func(m *mail.Message) { m.Text = "" }), "text body is empty"},
		{"blank text", with(func(m *mail.Message) { m.Text = " \n\t" }), "text body is empty"},
		{"HTML not UTF-8", with(func(m *mail.Message) { m.HTML = "<p>\xff</p>" }), "UTF-8"},
	}
	ts := startServer(t, serverConfig{})
	senders := map[string]mail.Sender{
		"smtp":   newSMTP(t, ts.url("smtp", "", "")),
		"outbox": mail.NewOutbox(filepath.Join(t.TempDir(), "outbox"), nil),
	}
	for _, tt := range tests {
		for kind, s := range senders {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				err := s.Send(t.Context(), tt.msg)
				if !errors.Is(err, mail.ErrPermanent) {
					t.Fatalf("Send error = %v, want ErrPermanent", err)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Send error %q does not mention %q", err, tt.wantErr)
				}
			})
		}
	}
	if got := ts.deliveries(); len(got) != 0 {
		t.Errorf("server got %d deliveries of invalid messages", len(got))
	}
}

func TestSubjectAtLimitIsAccepted(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverConfig{})
	m := mail.Message{To: []string{"ana@example.com"}, Subject: strings.Repeat("ü", 499), Text: "Hi"}
	if err := newSMTP(t, ts.url("smtp", "", "")).Send(t.Context(), m); err != nil {
		t.Fatalf("Send with a 998-byte subject: %v", err)
	}
	if got := parseMessage(t, onlyDelivery(t, ts).data).subject; got != m.Subject {
		t.Errorf("Subject came back as %q", got)
	}
}
