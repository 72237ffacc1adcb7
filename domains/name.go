package domains

import (
	"net/netip"
	"strings"

	"golang.org/x/net/idna"

	"github.com/tenantry/tenantry"
)

// Normalize returns the ASCII (punycode) form of a domain as typed by a
// person: trimmed, lower-cased, without a trailing dot, an international
// name converted ("Bücher.Example" gives xn--bcher-kva.example). It
// refuses, with a *tenantry.ValidationError of Field "domain", wildcards,
// IP addresses, ports, invalid international names and whatever
// tenantry.ValidateDomain refuses.
func Normalize(domain string) (string, error) {
	d := strings.TrimSpace(domain)
	if reason := shapeProblem(d); reason != "" {
		return "", invalid(domain, reason)
	}
	ascii, err := idna.Lookup.ToASCII(d)
	if err != nil {
		return "", invalid(domain, "is not a valid domain name ("+idnaReason(err)+")")
	}
	return tenantry.ValidateDomain(ascii)
}

// shapeProblem refuses what must never reach the IDNA conversion, with a
// message that names it.
func shapeProblem(d string) string {
	switch {
	case d == "":
		return "must not be empty"
	case strings.Contains(d, "*"):
		return "must not be a wildcard: add each domain by name"
	case isIP(d):
		return "must be a domain name, not an IP address"
	case strings.ContainsAny(d, "/@ \t"):
		return "must be a bare domain name, without scheme, path, user or spaces"
	case strings.Contains(d, ":"):
		return "must not include a port"
	}
	return ""
}

// isIP reports whether d is an IPv4 or IPv6 literal, bracketed or not,
// with or without a port.
func isIP(d string) bool {
	d = strings.TrimSuffix(d, ".")
	if _, err := netip.ParseAddr(strings.Trim(d, "[]")); err == nil {
		return true
	}
	if ap, err := netip.ParseAddrPort(d); err == nil && ap.Addr().IsValid() {
		return true
	}
	return false
}

// idnaReason cuts the IDNA library's message to its reason.
func idnaReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

func invalid(value, reason string) error {
	return &tenantry.ValidationError{Field: "domain", Value: value, Reason: reason}
}

// underBase reports whether name is a subdomain of base (not base itself).
func underBase(name, base string) bool {
	return strings.HasSuffix(name, "."+base)
}

// isInternational reports whether name has a punycode (xn--) label.
func isInternational(name string) bool {
	return strings.HasPrefix(name, "xn--") || strings.Contains(name, ".xn--")
}
