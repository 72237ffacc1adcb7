package mail

import (
	"crypto/rand"
	"fmt"
	netmail "net/mail"
	"strings"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"
)

// maxSubjectBytes is RFC 5322's limit on a header line, applied to the
// subject before encoding.
const maxSubjectBytes = 998

// parseFrom parses the configured sender, defaulting to DefaultFrom.
func parseFrom(from string) (*netmail.Address, error) {
	if from == "" {
		from = DefaultFrom
	}
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("From %q: %w", from, err)
	}
	return addr, nil
}

// validate checks m before anything is sent or written. Its errors wrap
// ErrPermanent: no retry can repair the message.
func validate(m Message) error {
	if len(m.To) == 0 {
		return invalid("no recipient")
	}
	for _, to := range m.To {
		if err := validateRecipient(to); err != nil {
			return err
		}
	}
	if err := validateSubject(m.Subject); err != nil {
		return err
	}
	if strings.TrimSpace(m.Text) == "" {
		return invalid("text body is empty")
	}
	if !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return invalid("body is not valid UTF-8")
	}
	return nil
}

func validateRecipient(to string) error {
	addr, err := netmail.ParseAddress(to)
	if err != nil {
		return invalid("recipient %q: %v", to, err)
	}
	if addr.Name != "" || addr.Address != to {
		return invalid("recipient %q is not a bare address like ana@example.com", to)
	}
	return nil
}

func validateSubject(subject string) error {
	if strings.ContainsAny(subject, "\r\n") {
		return invalid("subject contains a line break")
	}
	if len(subject) > maxSubjectBytes {
		return invalid("subject is %d bytes, longer than %d", len(subject), maxSubjectBytes)
	}
	if !utf8.ValidString(subject) {
		return invalid("subject is not valid UTF-8")
	}
	for _, r := range subject {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return invalid("subject contains control character %U", r)
		}
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("invalid message: %s: %w", fmt.Sprintf(format, args...), ErrPermanent)
}

// compose validates m and renders it as a go-mail message from from. SMTP
// and the outbox share it, so both produce the same MIME content.
func compose(from *netmail.Address, m Message) (*gomail.Msg, error) {
	if err := validate(m); err != nil {
		return nil, err
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	if err := msg.To(m.To...); err != nil {
		return nil, invalid("recipients: %v", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(messageID(from))
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// messageID returns a random Message-ID in the sender's domain, so the ID
// does not reveal the host name of the machine that rendered it.
func messageID(from *netmail.Address) string {
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	return rand.Text() + "@" + domain
}
