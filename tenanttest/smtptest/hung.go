package smtptest

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// Hung is a mail server that has hung: it accepts TCP connections on
// loopback and never says a word, so a client waits for its greeting until
// its own timeout. For tests of what waits on mail.
type Hung struct {
	// URL is the server's address for mail.Config.URL, e.g.
	// smtp://127.0.0.1:40123?tls=none.
	URL string

	mu    sync.Mutex
	conns []net.Conn
}

// StartHung starts a Hung on 127.0.0.1, and closes it and every
// connection it holds when t ends.
func StartHung(t testing.TB) *Hung {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen for the hung SMTP server: %v", err)
	}
	s := &Hung{URL: "smtp://" + ln.Addr().String() + "?tls=none"}
	done := make(chan struct{})
	go func() { defer close(done); s.accept(ln) }()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.conns {
			_ = c.Close()
		}
	})
	return s
}

// accept holds every connection open, unanswered, until ln is closed.
func (s *Hung) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
	}
}

// Open returns how many connections are open: accepted, and not closed by
// the client. It reads from each, which waits for nothing: a connection
// the client closed reads EOF at once.
func (s *Hung) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	open := s.conns[:0]
	for _, c := range s.conns {
		if clientGone(c) {
			_ = c.Close()
			continue
		}
		open = append(open, c)
	}
	s.conns = open
	return len(open)
}

// clientGone reports whether the client closed c (or sent something, which
// a client waiting for the greeting does not).
func clientGone(c net.Conn) bool {
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Millisecond)); err != nil {
		return true
	}
	var b [1]byte
	_, err := c.Read(b[:])
	var ne net.Error
	return !errors.As(err, &ne) || !ne.Timeout()
}
