package dnstest

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// Server is a minimal authoritative DNS server on a loopback UDP port, for
// tests of code that looks names up through a configurable resolver. It
// answers A, AAAA and TXT questions from its records, NXDOMAIN for names
// it has no record of, and an empty answer for other types. It is safe for
// concurrent use.
type Server struct {
	// Addr is where it listens ("127.0.0.1:port"): the resolver address
	// to give the code under test.
	Addr string
	conn net.PacketConn
	done chan struct{}
	mu   sync.Mutex
	txt  map[string][]string
	ips  map[string][]netip.Addr
}

// Start starts a DNS server on a loopback port, stopped when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	d, err := start()
	if err != nil {
		t.Fatalf("start DNS server: %v", err)
	}
	t.Cleanup(d.Close)
	return d
}

// StartExample is Start for runnable Example functions, which have no
// testing.T: it panics if the server cannot start; call Close when done.
func StartExample() *Server {
	d, err := start()
	if err != nil {
		panic(err)
	}
	return d
}

func start() (*Server, error) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := &Server{Addr: conn.LocalAddr().String(), conn: conn, txt: map[string][]string{}, ips: map[string][]netip.Addr{},
		done: make(chan struct{})}
	go func() { defer close(d.done); d.serve() }()
	return d, nil
}

// Close stops the server and waits until it has.
func (d *Server) Close() {
	d.conn.Close()
	<-d.done
}

// SetTXT makes name's TXT record hold values (none: remove it).
func (d *Server) SetTXT(name string, values ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.txt[fqdn(name)] = values
}

// SetIP makes name resolve to addrs (IPv4 or IPv6).
func (d *Server) SetIP(name string, addrs ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var ips []netip.Addr
	for _, a := range addrs {
		ips = append(ips, netip.MustParseAddr(a))
	}
	d.ips[fqdn(name)] = ips
}

func fqdn(name string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) + "." }

func (d *Server) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		if out, ok := d.answer(buf[:n]); ok {
			_, _ = d.conn.WriteTo(out, from)
		}
	}
}

// answer builds the response to one query.
func (d *Server) answer(query []byte) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, false
	}
	name := strings.ToLower(q.Name.String())
	d.mu.Lock()
	txt, hasTXT := d.txt[name]
	ips, hasIP := d.ips[name]
	d.mu.Unlock()
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	if !hasTXT && !hasIP {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	if b.StartQuestions() != nil || b.Question(q) != nil || b.StartAnswers() != nil {
		return nil, false
	}
	rr := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 1}
	switch q.Type {
	case dnsmessage.TypeTXT:
		for _, v := range txt {
			if b.TXTResource(rr, dnsmessage.TXTResource{TXT: []string{v}}) != nil {
				return nil, false
			}
		}
	case dnsmessage.TypeA, dnsmessage.TypeAAAA:
		for _, ip := range ips {
			var err error
			switch {
			case ip.Is4() && q.Type == dnsmessage.TypeA:
				err = b.AResource(rr, dnsmessage.AResource{A: ip.As4()})
			case ip.Is6() && q.Type == dnsmessage.TypeAAAA:
				err = b.AAAAResource(rr, dnsmessage.AAAAResource{AAAA: ip.As16()})
			}
			if err != nil {
				return nil, false
			}
		}
	}
	out, err := b.Finish()
	return out, err == nil
}
