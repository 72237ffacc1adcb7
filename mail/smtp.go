package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// DefaultSendTimeout bounds one SMTP delivery, connection to QUIT, when the
// context passed to Send has no deadline.
const DefaultSendTimeout = 30 * time.Second

// SMTP delivers messages to an SMTP server, one connection per message. It
// is safe for concurrent use.
type SMTP struct {
	from   *netmail.Address
	server *server
}

// NewSMTP returns a sender for the server described by rawURL, sending as
// from (default [DefaultFrom]). The accepted URL forms are:
//
//	smtp://[user[:password]@]host[:port][?tls=none|opportunistic|required]
//	smtps://[user[:password]@]host[:port]
//
// smtp:// defaults to port 587 when a user is given and 25 otherwise, and
// upgrades with STARTTLS when the server offers it (tls=opportunistic); use
// tls=required to refuse a server without STARTTLS and tls=none to never
// upgrade. smtps:// uses TLS from the first byte and defaults to port 465.
// Both accept insecure_skip_verify=1 to skip certificate verification, for
// test and development servers only. User and password are percent-decoded.
//
// AUTH is attempted only when a user is given: PLAIN or LOGIN, whichever
// the server offers, else the best other mechanism go-mail knows. PLAIN and
// LOGIN reveal the password on a plain connection, so they are used only
// over TLS, to localhost, or when tls=none says so explicitly.
//
// NewSMTP does not connect. Its errors never contain the password.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	srv, err := parseServerURL(rawURL)
	if err != nil {
		return nil, err
	}
	addr, err := parseFrom(from)
	if err != nil {
		return nil, err
	}
	return &SMTP{from: addr, server: srv}, nil
}

// String returns the server URL with its password masked.
func (s *SMTP) String() string { return s.server.redacted }

// Send validates m and delivers it. It gives up when ctx is done or, if ctx
// has no deadline, after [DefaultSendTimeout].
//
// A message reaches all its recipients or none: if the server refuses one
// recipient, nothing is sent.
//
// An invalid message and a 5xx reply to MAIL, RCPT or DATA return an error
// wrapping [ErrPermanent]. Everything else is temporary and worth a retry:
// a refused or timed-out connection, a 4xx reply, and also a failure while
// greeting, upgrading to TLS or authenticating, which is the server's or the
// configuration's fault rather than the message's.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := compose(s.from, m)
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultSendTimeout)
		defer cancel()
	}
	// Cancelling ctx, here or by the caller, closes the connection.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.deliver(ctx, msg); err != nil {
		return fmt.Errorf("send mail to %s via %s: %w", strings.Join(m.To, ", "), s.server.redacted, err)
	}
	return nil
}

func (s *SMTP) deliver(ctx context.Context, msg *gomail.Msg) error {
	deadline, _ := ctx.Deadline()
	timeout := time.Until(deadline)
	if err := ctx.Err(); err != nil || timeout <= 0 {
		return fmt.Errorf("before connecting: %w", context.Cause(ctx))
	}
	client, err := gomail.NewClient(s.server.host, s.clientOptions(ctx, timeout)...)
	if err != nil {
		return fmt.Errorf("configure SMTP client: %w", err)
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if err != nil && !time.Now().Before(deadline) {
		// The connection's deadline can fire just before ctx notices its
		// own; wait for ctx, due now, so the error says why.
		<-ctx.Done()
	}
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %w", context.Cause(ctx), err)
	case isPermanent(err):
		return fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	return err
}

func (s *SMTP) clientOptions(ctx context.Context, timeout time.Duration) []gomail.Option {
	srv := s.server
	tlsConfig := &tls.Config{
		ServerName:         srv.host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: srv.skipVerify, // #nosec G402 -- opt-in for test servers
	}
	opts := []gomail.Option{
		gomail.WithPort(srv.port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSPolicy(srv.policy),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(dialer(ctx, srv.implicitTLS, tlsConfig)),
	}
	if srv.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	}
	if srv.user != "" {
		opts = append(opts, gomail.WithUsername(srv.user), gomail.WithPassword(srv.pass))
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(srv.authMechanisms()...))
	}
	return opts
}

// authMechanisms lists the mechanisms to use, in order of preference. The
// NOENC variants send the password over a plain connection, which is only
// allowed when the URL asked for tls=none.
func (srv *server) authMechanisms() []gomail.SMTPAuthType {
	if srv.policy == gomail.NoTLS && !srv.implicitTLS {
		return []gomail.SMTPAuthType{gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc}
	}
	return []gomail.SMTPAuthType{gomail.SMTPAuthPlain, gomail.SMTPAuthLogin}
}

// dialer connects, over TLS when implicitTLS is set, and closes the
// connection once ctx is done, which go-mail alone only notices while
// dialing. The connection is returned unwrapped so that go-mail can tell a
// TLS connection from a plain one.
func dialer(ctx context.Context, implicitTLS bool, tlsConfig *tls.Config) gomail.DialContextFunc {
	return func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		var d interface {
			DialContext(ctx context.Context, network, addr string) (net.Conn, error)
		} = &net.Dialer{}
		if implicitTLS {
			d = &tls.Dialer{Config: tlsConfig}
		}
		conn, err := d.DialContext(dialCtx, network, addr)
		if err != nil {
			return nil, err
		}
		context.AfterFunc(ctx, func() { _ = conn.Close() })
		return conn, nil
	}
}

// isPermanent reports whether err holds a 5xx reply to MAIL, RCPT or DATA.
func isPermanent(err error) bool {
	var sendErr *gomail.SendError
	if !errors.As(err, &sendErr) {
		return false
	}
	code := sendErr.ErrorCode()
	return code >= 500 && code < 600
}
