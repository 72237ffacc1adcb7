package mail

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"

	gomail "github.com/wneessen/go-mail"
)

// server is an SMTP server as described by a parsed URL.
type server struct {
	host        string
	port        int
	user, pass  string
	implicitTLS bool
	policy      gomail.TLSPolicy
	skipVerify  bool
	redacted    string // the URL with the password masked, for messages
}

// parseServerURL parses the URL forms documented on NewSMTP. Its errors never
// contain the password.
func parseServerURL(rawURL string) (*server, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("URL is malformed: %s", describeParseError(err))
	}
	s := &server{host: u.Hostname(), redacted: u.Redacted()}
	if err := s.fromURL(u); err != nil {
		return nil, fmt.Errorf("URL %q: %w", s.redacted, err)
	}
	return s, nil
}

func (s *server) fromURL(u *url.URL) error {
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.implicitTLS = true
	default:
		return fmt.Errorf("scheme %q is not smtp or smtps", u.Scheme)
	}
	if u.Opaque != "" || s.host == "" {
		return errors.New("no host; want smtp://[user[:password]@]host[:port]")
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("unexpected path %q", u.Path)
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password() // an absent password is an empty one
	}
	if err := s.setPort(u.Port()); err != nil {
		return err
	}
	return s.setOptions(u.Query())
}

func (s *server) setPort(port string) error {
	switch {
	case port != "":
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q is not a number from 1 to 65535", port)
		}
		s.port = n
	case s.implicitTLS:
		s.port = gomail.DefaultPortSSL
	case s.user != "":
		s.port = gomail.DefaultPortTLS
	default:
		s.port = gomail.DefaultPort
	}
	return nil
}

// setOptions applies the query parameters tls and insecure_skip_verify and
// rejects any other, so a misspelt option does not go unnoticed.
func (s *server) setOptions(q url.Values) error {
	s.policy = gomail.TLSOpportunistic
	if s.implicitTLS {
		s.policy = gomail.NoTLS // the connection is TLS from the start; no STARTTLS
	}
	for key, values := range q {
		value := values[len(values)-1]
		var err error
		switch key {
		case "tls":
			err = s.setTLSPolicy(value)
		case "insecure_skip_verify":
			s.skipVerify, err = strconv.ParseBool(value)
			if err != nil {
				err = fmt.Errorf("insecure_skip_verify=%q is not a boolean", value)
			}
		default:
			err = fmt.Errorf("unknown parameter %q; want tls or insecure_skip_verify", key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *server) setTLSPolicy(value string) error {
	if s.implicitTLS {
		return errors.New("parameter tls applies to smtp:// only; smtps:// always uses TLS")
	}
	switch value {
	case "none":
		s.policy = gomail.NoTLS
	case "opportunistic":
		s.policy = gomail.TLSOpportunistic
	case "required":
		s.policy = gomail.TLSMandatory
	default:
		return fmt.Errorf("tls=%q; want none, opportunistic or required", value)
	}
	return nil
}

// describeParseError reports why url.Parse failed without repeating the URL,
// which may hold a password.
func describeParseError(err error) string {
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		return "cannot parse"
	}
	var escErr url.EscapeError
	if errors.As(urlErr.Err, &escErr) {
		return "invalid %-escape"
	}
	return urlErr.Err.Error()
}
