package domains

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// newResolver returns a resolver that asks addr ("host:port") over UDP or
// TCP, or the system's resolver when addr is empty.
func newResolver(addr string) *net.Resolver {
	if addr == "" {
		return net.DefaultResolver
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

// maxRedirects bounds the redirects the HTTP check follows (http to
// https, a www. prefix...).
const maxRedirects = 3

// httpClient returns the client of the HTTP check: it resolves names
// through the service's resolver, refuses addresses that are not public
// (unless AllowPrivateAddresses), connects to HTTPPort for port 80, and
// follows a few redirects.
func (s *Service) httpClient() *http.Client {
	tr := &http.Transport{
		DialContext:            s.dial,
		TLSHandshakeTimeout:    s.cfg.CheckTimeout,
		ResponseHeaderTimeout:  s.cfg.CheckTimeout,
		DisableKeepAlives:      true,
		MaxResponseHeaderBytes: 16 << 10,
	}
	return &http.Client{Transport: tr, Timeout: s.cfg.CheckTimeout,
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			return nil
		}}
}

// errPrivateAddress: the domain resolves only to addresses the check may
// not connect to.
var errPrivateAddress = errors.New("resolves only to loopback, private or link-local addresses")

// dial connects to addr ("host:port") through the service's resolver, to
// the first of its addresses the check may use.
func (s *Service) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if port == "80" {
		port = strconv.Itoa(s.cfg.HTTPPort)
	}
	ips, err := s.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", host, err)
	}
	d := net.Dialer{Timeout: s.cfg.CheckTimeout, KeepAlive: -1 * time.Second}
	last := errPrivateAddress
	for _, ip := range ips {
		if !s.mayConnect(ip) {
			continue
		}
		c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}

// mayConnect reports whether the HTTP check may connect to ip.
func (s *Service) mayConnect(ip netip.Addr) bool {
	if s.cfg.AllowPrivateAddresses {
		return true
	}
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast()
}
