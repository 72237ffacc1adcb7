package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// Message is one email. To holds bare addresses ("ana@example.com", without
// a display name); Text is required, HTML is an optional alternative part.
type Message struct {
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	HTML    string   `json:"html,omitempty"`
}

// Sender delivers messages. Implementations are safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrPermanent is wrapped by errors that retrying cannot cure: a malformed
// message, an address the server refuses for good (5xx).
var ErrPermanent = errors.New("permanent mail failure")

// DefaultFrom is the sender used when no From is configured.
const DefaultFrom = "Tenantry <no-reply@localhost>"

// Config selects and configures the transport used by [New].
type Config struct {
	// URL is the SMTP server, e.g. "smtp://user:pass@mail.example.com" (see
	// [NewSMTP] for the accepted forms). Empty means the outbox transport.
	URL string
	// From is the header and envelope sender, e.g. "Tenantry
	// <no-reply@example.com>". Default: [DefaultFrom].
	From string
	// OutboxDir is the directory the outbox transport writes .eml files to.
	// Required when URL is empty, ignored otherwise.
	OutboxDir string
	// Logger receives the outbox transport's one line per message. Default:
	// a logger that discards everything.
	Logger *slog.Logger
}

// New returns an [*SMTP] sender when cfg.URL is set and an [*Outbox] sender
// otherwise. It returns an error naming the offending field when the
// configuration is invalid; the error never contains the URL's password.
func New(cfg Config) (Sender, error) {
	if cfg.URL != "" {
		s, err := NewSMTP(cfg.URL, cfg.From)
		if err != nil {
			return nil, fmt.Errorf("mail config: %w", err)
		}
		return s, nil
	}
	if cfg.OutboxDir == "" {
		return nil, errors.New("mail config: OutboxDir is required when URL is empty")
	}
	from, err := parseFrom(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail config: %w", err)
	}
	o := NewOutbox(cfg.OutboxDir, cfg.Logger)
	o.from = from
	return o, nil
}
