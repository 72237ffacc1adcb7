package mail

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Outbox writes each message as an RFC 5322 .eml file into a directory
// instead of sending it, for development and tests. It is safe for
// concurrent use.
type Outbox struct {
	dir    string
	from   *netmail.Address
	logger *slog.Logger
}

// NewOutbox returns a sender that writes into dir, creating it with mode
// 0700 on first use. Messages are from [DefaultFrom]; use [New] to choose
// another sender. A nil logger discards the per-message log line.
func NewOutbox(dir string, logger *slog.Logger) *Outbox {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	from, _ := parseFrom(DefaultFrom) // a constant known to parse
	return &Outbox{dir: dir, from: from, logger: logger}
}

// Send validates m, as [SMTP.Send] does, and writes it to a new file named
// after the current UTC time plus a random suffix, so names sort by time
// and never collide, e.g. 20261123T195501.123456789Z-4F2KQ7XJ.eml. The file
// appears whole or not at all. Send then logs, at Info, the recipients, the
// subject, the file and the first http(s) link in the text (key "link").
//
// Invalid messages return an error wrapping [ErrPermanent]; a file system
// failure is temporary.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	msg, err := compose(o.from, m)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write mail to outbox: %w", context.Cause(ctx))
	}
	path, err := o.write(msg)
	if err != nil {
		return fmt.Errorf("write mail to outbox %s: %w", o.dir, err)
	}
	attrs := []any{"to", strings.Join(m.To, ", "), "subject", m.Subject, "file", path}
	if link := firstLink(m.Text); link != "" {
		attrs = append(attrs, "link", link)
	}
	o.logger.InfoContext(ctx, "mail written to outbox", attrs...)
	return nil
}

// write renders msg into a temporary file and renames it into place.
func (o *Outbox) write(msg *gomail.Msg) (path string, err error) {
	if o.dir == "" {
		return "", errors.New("no outbox directory configured")
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return "", fmt.Errorf("create directory: %w", err)
	}
	tmp, err := os.CreateTemp(o.dir, ".tmp-*.eml")
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := writeSynced(tmp, msg); err != nil {
		return "", fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	path = filepath.Join(o.dir, outboxName(time.Now()))
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("rename into place: %w", err)
	}
	return path, nil
}

// writeSynced writes msg to f, flushes it to disk and closes f.
func writeSynced(f *os.File, msg *gomail.Msg) error {
	w := bufio.NewWriter(f)
	if _, err := msg.WriteTo(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// outboxName returns a file name that sorts by t and is unique thanks to a
// random suffix.
func outboxName(t time.Time) string {
	return t.UTC().Format("20060102T150405.000000000Z") + "-" + rand.Text()[:10] + ".eml"
}

// firstLink returns the first http:// or https:// URL in text, without
// trailing punctuation, or "" when there is none.
func firstLink(text string) string {
	for _, field := range strings.Fields(text) {
		i := strings.Index(field, "http://")
		if j := strings.Index(field, "https://"); j >= 0 && (i < 0 || j < i) {
			i = j
		}
		if i < 0 {
			continue
		}
		link := strings.TrimRight(field[i:], ".,;:!?)]}>'\"")
		if !strings.HasSuffix(link, "//") {
			return link
		}
	}
	return ""
}
