package mail_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// serverConfig describes how a test SMTP server behaves.
type serverConfig struct {
	user, pass  string   // when user is set, MAIL requires AUTH with these
	mechs       []string // AUTH mechanisms offered; default PLAIN
	startTLS    bool     // offer STARTTLS
	implicitTLS bool     // speak TLS from the first byte (smtps)
	rcptErr     error    // reply to every RCPT
	onRcpt      func()   // called before replying to RCPT
}

// delivery is one message the test server accepted.
type delivery struct {
	from string
	to   []string
	data []byte
	tls  bool
	user string
}

// testServer is a real SMTP server on 127.0.0.1 that records deliveries.
type testServer struct {
	cfg  serverConfig
	host string
	port int

	mu  sync.Mutex
	got []delivery
}

// startServer starts a server on a free loopback port and stops it when the
// test ends.
func startServer(t *testing.T, cfg serverConfig) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ts := &testServer{cfg: cfg, host: "127.0.0.1", port: addr.Port}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: ts, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 5*time.Second, 5*time.Second
	s.ErrorLog = log.New(io.Discard, "", 0)
	if cfg.startTLS || cfg.implicitTLS {
		s.TLSConfig = serverTLSConfig(t)
	}
	if cfg.implicitTLS {
		ln = tls.NewListener(ln, s.TLSConfig)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close SMTP server: %v", err)
		}
		// Serve may not have registered ln with s yet, so Close may have
		// missed it; closing it again is harmless.
		_ = ln.Close()
		if err := <-served; err != nil {
			t.Errorf("serve SMTP: %v", err)
		}
	})
	return ts
}

// url returns the server's address as a sender URL with the given scheme,
// userinfo ("" for none) and query ("" for none).
func (ts *testServer) url(scheme, userinfo, query string) string {
	u := scheme + "://"
	if userinfo != "" {
		u += userinfo + "@"
	}
	u += net.JoinHostPort(ts.host, strconv.Itoa(ts.port))
	if query != "" {
		u += "?" + query
	}
	return u
}

// deliveries returns what the server accepted so far.
func (ts *testServer) deliveries() []delivery {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.got)
}

type session struct {
	srv  *testServer
	conn *smtp.Conn
	user string
	cur  delivery
}

func (s *session) AuthMechanisms() []string {
	if s.srv.cfg.mechs != nil {
		return s.srv.cfg.mechs
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return s.login(user, pass) }), nil
	case sasl.Login:
		return &loginServer{login: s.login}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *session) login(user, pass string) error {
	if s.srv.cfg.user == "" || user != s.srv.cfg.user || pass != s.srv.cfg.pass {
		return smtp.ErrAuthFailed
	}
	s.user = user
	return nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.cfg.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.cur = delivery{from: from, tls: isTLS, user: s.user}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.srv.cfg.onRcpt != nil {
		s.srv.cfg.onRcpt()
	}
	if s.srv.cfg.rcptErr != nil {
		return s.srv.cfg.rcptErr
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = data
	s.srv.mu.Lock()
	s.srv.got = append(s.srv.got, s.cur)
	s.srv.mu.Unlock()
	return nil
}

func (s *session) Reset() { s.cur = delivery{} }

func (s *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl lacks.
type loginServer struct {
	login func(user, pass string) error
	user  string
	step  int
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if response != nil { // initial response carries the user name
			l.user = string(response)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.step++
		l.user = string(response)
		return []byte("Password:"), false, nil
	case 2:
		l.step++
		return nil, true, l.login(l.user, string(response))
	}
	return nil, false, errors.New("unexpected AUTH LOGIN response")
}

// serverTLSConfig returns a TLS configuration with a fresh self-signed
// certificate for 127.0.0.1.
func serverTLSConfig(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tenantry test SMTP"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}
