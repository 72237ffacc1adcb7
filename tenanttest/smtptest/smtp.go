package smtptest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Server is a real SMTP server on loopback that keeps every message it
// accepts, for tests that check what the product sends over SMTP.
type Server struct {
	// URL is the server's address for mail.Config.URL, e.g.
	// smtp://127.0.0.1:40123?tls=none.
	URL string

	mu       sync.Mutex
	messages []Received
	arrived  chan struct{} // closed and replaced on every message
}

// Received is one message as the SMTP server got it.
type Received struct {
	From string   // envelope sender
	To   []string // envelope recipients
	Data []byte   // the message as sent after DATA
}

// Parse parses the message's headers and body, failing t if it is not a
// valid RFC 5322 message.
func (r Received) Parse(t testing.TB) *mail.Message {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatalf("received mail does not parse: %v\n%s", err, r.Data)
	}
	return m
}

// Start starts an SMTP server on 127.0.0.1 that accepts all mail, and
// stops it when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen for SMTP: %v", err)
	}
	s := &Server{URL: "smtp://" + ln.Addr().String() + "?tls=none", arrived: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{server: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 10 << 20
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		// Closing the listener ourselves as well: a Close that comes before
		// Serve has registered it would leave Serve waiting forever.
		_ = ln.Close()
		_ = srv.Close()
		<-done
	})
	return s
}

// Messages returns the messages received so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.messages...)
}

// WaitFor waits up to timeout for a message to address whose data contains
// every one of substrings, and returns it; it fails t when none comes.
func (s *Server) WaitFor(t testing.TB, address string, timeout time.Duration, substrings ...string) Received {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		s.mu.Lock()
		arrived := s.arrived
		for _, m := range s.messages {
			if matches(m, address, substrings) {
				s.mu.Unlock()
				return m
			}
		}
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			t.Fatalf("smtptest: no mail to %s containing %q within %s; received %d messages", address, substrings, timeout, len(s.Messages()))
		}
	}
}

// matches reports whether m went to address and its decoded subject and
// text contain every one of substrings.
func matches(m Received, address string, substrings []string) bool {
	to := false
	for _, rcpt := range m.To {
		to = to || strings.EqualFold(rcpt, address)
	}
	if !to {
		return false
	}
	subject, text, err := m.decode()
	if err != nil {
		return false
	}
	for _, sub := range substrings {
		if !strings.Contains(subject, sub) && !strings.Contains(text, sub) {
			return false
		}
	}
	return true
}

// Subject returns the message's decoded subject, failing t if it does not
// parse.
func (r Received) Subject(t testing.TB) string {
	t.Helper()
	subject, _, err := r.decode()
	if err != nil {
		t.Fatalf("received mail: %v\n%s", err, r.Data)
	}
	return subject
}

// Text returns the message's decoded text/plain part (the whole body when
// it is not multipart), failing t if it does not parse.
func (r Received) Text(t testing.TB) string {
	t.Helper()
	_, text, err := r.decode()
	if err != nil {
		t.Fatalf("received mail: %v\n%s", err, r.Data)
	}
	return text
}

func (r Received) decode() (subject, text string, err error) {
	m, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		return "", "", err
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return "", "", fmt.Errorf("subject: %w", err)
	}
	text, err = textPart(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	return subject, text, err
}

// textPart returns the first text/plain part of a body with the given
// content type and transfer encoding, decoded.
func textPart(contentType, encoding string, body io.Reader) (string, error) {
	mediaType, params, err := mime.ParseMediaType(cmp.Or(contentType, "text/plain"))
	if err != nil {
		return "", fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return "", fmt.Errorf("no text/plain part: %w", err)
			}
			text, err := textPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if err == nil {
				return text, nil
			}
		}
	}
	if mediaType != "text/plain" {
		return "", fmt.Errorf("part is %s", mediaType)
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	return string(b), err
}

func (s *Server) add(m Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// smtpSession collects one message at a time.
type smtpSession struct {
	server *Server
	from   string
	to     []string
}

func (c *smtpSession) Reset()        { c.from, c.to = "", nil }
func (c *smtpSession) Logout() error { return nil }

func (c *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	c.from = from
	return nil
}

func (c *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	c.to = append(c.to, to)
	return nil
}

func (c *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	c.server.add(Received{From: c.from, To: c.to, Data: data})
	return nil
}
