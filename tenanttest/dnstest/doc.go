// Package dnstest is a DNS server for tests, on a loopback port, whose TXT
// and address records a test sets: code that looks names up through a
// configurable resolver (the domains package's checks) is tested against
// it. It lives apart from tenanttest so that tests that need no DNS server
// do not build one.
package dnstest
