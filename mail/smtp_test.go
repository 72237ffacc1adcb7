package mail_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/tenantry/tenantry/mail"
)

// welcome is a message with non-ASCII text in every part.
var welcome = mail.Message{
	To:      []string{"ana@example.com"},
	Subject: "Willkommen bei Café Zürich",
	Text:    "Grüezi Ana,\n\nbitte bestätige: https://cafe.example/verify?t=abc\n",
	HTML:    `<p>Grüezi Ana, <a href="https://cafe.example/verify?t=abc">bestätigen</a></p>`,
}

// newSMTP returns a sender for rawURL, failing the test on error.
func newSMTP(t *testing.T, rawURL string) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(rawURL, "Café Zürich <no-reply@cafe.example>")
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	return s
}

// onlyDelivery returns the server's single delivery, failing otherwise.
func onlyDelivery(t *testing.T, ts *testServer) delivery {
	t.Helper()
	got := ts.deliveries()
	if len(got) != 1 {
		t.Fatalf("server got %d deliveries, want 1", len(got))
	}
	return got[0]
}

func TestSMTPDeliversWellFormedMessage(t *testing.T) {
	t.Parallel()
	textOnly := welcome
	textOnly.HTML = ""
	twoRecipients := welcome
	twoRecipients.To = []string{"ana@example.com", "ben@example.org"}
	tests := []struct {
		name      string
		msg       mail.Message
		multipart string // "" for a single text/plain part
	}{
		{"text and html", welcome, "multipart/alternative"},
		{"text only", textOnly, ""},
		{"two recipients", twoRecipients, "multipart/alternative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverConfig{})
			if err := newSMTP(t, ts.url("smtp", "", "")).Send(t.Context(), tt.msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			d := onlyDelivery(t, ts)
			if d.from != "no-reply@cafe.example" || strings.Join(d.to, ",") != strings.Join(tt.msg.To, ",") {
				t.Errorf("envelope from %q to %q, want no-reply@cafe.example to %q", d.from, d.to, tt.msg.To)
			}
			assertRendered(t, parseMessage(t, d.data), tt.msg, tt.multipart)
		})
	}
}

// assertRendered checks the headers and parts of a message rendered from m.
func assertRendered(t *testing.T, p parsedMessage, m mail.Message, multipart string) {
	t.Helper()
	if p.from.Name != "Café Zürich" || p.from.Address != "no-reply@cafe.example" {
		t.Errorf("From = %v, want Café Zürich <no-reply@cafe.example>", p.from)
	}
	var to []string
	for _, a := range p.to {
		to = append(to, a.Address)
	}
	if strings.Join(to, ",") != strings.Join(m.To, ",") {
		t.Errorf("To = %q, want %q", to, m.To)
	}
	if p.subject != m.Subject {
		t.Errorf("Subject = %q, want %q", p.subject, m.Subject)
	}
	if id := p.header.Get("Message-Id"); !strings.HasSuffix(id, "@cafe.example>") {
		t.Errorf("Message-ID = %q, want <...@cafe.example>", id)
	}
	if p.parts["multipart"] != multipart {
		t.Errorf("multipart type = %q, want %q", p.parts["multipart"], multipart)
	}
	if p.parts["text/plain"] != m.Text {
		t.Errorf("text part = %q, want %q", p.parts["text/plain"], m.Text)
	}
	if p.parts["text/html"] != m.HTML {
		t.Errorf("html part = %q, want %q", p.parts["text/html"], m.HTML)
	}
}

func TestSMTPAuthenticatesWhenUserIsGiven(t *testing.T) {
	t.Parallel()
	const user, pass = "ana@example.com", "s3cr:t/pw%"
	userinfo := url.UserPassword(user, pass).String()
	tests := []struct {
		name  string
		cfg   serverConfig
		query string
		tls   bool
	}{
		{"PLAIN to localhost", serverConfig{}, "", false},
		{"PLAIN with tls=none", serverConfig{}, "tls=none", false},
		{"LOGIN when it is all the server offers", serverConfig{mechs: []string{sasl.Login}}, "", false},
		{"PLAIN after STARTTLS", serverConfig{startTLS: true}, "insecure_skip_verify=1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.user, tt.cfg.pass = user, pass
			ts := startServer(t, tt.cfg)
			if err := newSMTP(t, ts.url("smtp", userinfo, tt.query)).Send(t.Context(), welcome); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if d := onlyDelivery(t, ts); d.user != user || d.tls != tt.tls {
				t.Errorf("delivered as user %q over TLS %v, want %q and %v", d.user, d.tls, user, tt.tls)
			}
		})
	}
}

func TestSMTPWrongPasswordFailsWithoutRevealingIt(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverConfig{user: "ana", pass: "right-pw"})
	err := newSMTP(t, ts.url("smtp", "ana:wrong-pw", "")).Send(t.Context(), welcome)
	if err == nil {
		t.Fatal("Send with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), "wrong-pw") {
		t.Errorf("error reveals the password: %v", err)
	}
	if !strings.Contains(err.Error(), "535") {
		t.Errorf("error %q does not carry the server's 535 reply", err)
	}
	if errors.Is(err, mail.ErrPermanent) {
		t.Errorf("authentication failure is permanent, want retryable: %v", err)
	}
	if got := ts.deliveries(); len(got) != 0 {
		t.Errorf("server got %d deliveries", len(got))
	}
}

func TestSMTPRejectionIsPermanentOnlyFor5xx(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		reply     *smtp.SMTPError
		permanent bool
	}{
		{"550 mailbox unavailable", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, true},
		{"553 mailbox name not allowed", &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "bad name"}, true},
		{"451 try again later", &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "greylisted"}, false},
		{"452 mailbox full", &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "full"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverConfig{rcptErr: tt.reply})
			err := newSMTP(t, ts.url("smtp", "", "")).Send(t.Context(), welcome)
			if err == nil {
				t.Fatal("Send succeeded despite the rejection")
			}
			if got := errors.Is(err, mail.ErrPermanent); got != tt.permanent {
				t.Errorf("errors.Is(err, ErrPermanent) = %v, want %v; err: %v", got, tt.permanent, err)
			}
			if !strings.Contains(err.Error(), strconv.Itoa(tt.reply.Code)) {
				t.Errorf("error %q does not name the reply code", err)
			}
		})
	}
}

func TestSMTPConnectionRefusedIsTemporaryAndHidesPassword(t *testing.T) {
	t.Parallel()
	rawURL := "smtp://ana:hunter2@127.0.0.1:" + strconv.Itoa(closedPort(t))
	err := newSMTP(t, rawURL).Send(t.Context(), welcome)
	if err == nil {
		t.Fatal("Send to a closed port succeeded")
	}
	if errors.Is(err, mail.ErrPermanent) {
		t.Errorf("connection refused is permanent, want retryable: %v", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error reveals the password: %v", err)
	}
	if !strings.Contains(err.Error(), "refused") {
		t.Errorf("error %q does not say the connection was refused", err)
	}
}

func TestSMTPSpeaksTLS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    serverConfig
		scheme string
		query  string
	}{
		{"smtps", serverConfig{implicitTLS: true}, "smtps", "insecure_skip_verify=1"},
		{"STARTTLS required", serverConfig{startTLS: true}, "smtp", "tls=required&insecure_skip_verify=true"},
		{"STARTTLS opportunistic", serverConfig{startTLS: true}, "smtp", "insecure_skip_verify=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, tt.cfg)
			if err := newSMTP(t, ts.url(tt.scheme, "", tt.query)).Send(t.Context(), welcome); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if d := onlyDelivery(t, ts); !d.tls {
				t.Error("message was delivered without TLS")
			}
		})
	}
}

func TestSMTPRefusesUnsafeTLS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     serverConfig
		scheme  string
		query   string
		wantErr string
	}{
		{"unverifiable certificate", serverConfig{implicitTLS: true}, "smtps", "", "certificate"},
		{"tls=required without STARTTLS", serverConfig{}, "smtp", "tls=required", "STARTTLS"},
		{"tls=none ignores STARTTLS", serverConfig{startTLS: true}, "smtp", "tls=none", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, tt.cfg)
			err := newSMTP(t, ts.url(tt.scheme, "", tt.query)).Send(t.Context(), welcome)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				if onlyDelivery(t, ts).tls {
					t.Error("tls=none upgraded the connection")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Send error = %v, want one mentioning %q", err, tt.wantErr)
			}
			if errors.Is(err, mail.ErrPermanent) {
				t.Errorf("TLS failure is permanent, want retryable: %v", err)
			}
		})
	}
}

func TestSMTPCancelAbortsDelivery(t *testing.T) {
	t.Parallel()
	atRcpt := make(chan struct{})
	release := make(chan struct{})
	ts := startServer(t, serverConfig{onRcpt: func() {
		atRcpt <- struct{}{}
		<-release
	}})
	t.Cleanup(func() { close(release) }) // runs before the server stops
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-atRcpt
		cancel()
	}()
	start := time.Now()
	err := newSMTP(t, ts.url("smtp", "", "")).Send(ctx, welcome)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Send error = %v, want context.Canceled", err)
	}
	if errors.Is(err, mail.ErrPermanent) {
		t.Errorf("cancellation is permanent: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Send returned %v after the server stalled", d)
	}
}

func TestSMTPHonoursDeadline(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	ts := startServer(t, serverConfig{onRcpt: func() { <-release }})
	t.Cleanup(func() { close(release) })
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	err := newSMTP(t, ts.url("smtp", "", "")).Send(ctx, welcome)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, mail.ErrPermanent) {
		t.Fatalf("Send error = %v, want a temporary context.DeadlineExceeded", err)
	}
}

func TestSMTPDoneContextDoesNotConnect(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	rawURL := "smtp://127.0.0.1:" + strconv.Itoa(closedPort(t))
	err := newSMTP(t, rawURL).Send(ctx, welcome)
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "refused") {
		t.Fatalf("Send error = %v, want context.Canceled before dialing", err)
	}
}
