package tenantry

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	// maxHostBytes is the longest DNS name, without its trailing dot.
	maxHostBytes = 253
	// maxLabelBytes is the longest label of a DNS name.
	maxLabelBytes = 63
	// maxHostHeaderBytes bounds a Host header before it is parsed: the
	// longest name, a trailing dot and the longest port.
	maxHostHeaderBytes = maxHostBytes + len(".:65535")
)

// NormalizeHost returns the lower-case host name of an HTTP Host header,
// without its port and without one trailing dot: "ACME.Example.COM.:8000"
// gives acme.example.com. Any other input gives a *ValidationError with Field
// "host": an empty name, a name longer than 253 bytes (checked before any
// other work, so a huge header is cheap to refuse), an empty label (".." or a
// leading dot), a label longer than 63 bytes or starting or ending with '-',
// a character outside a-z, 0-9, '-' and '.' after lower-casing (so '_',
// spaces, '/', '@' and non-ASCII are refused; use the xn-- punycode form),
// or a port that is not a number from 1 to 65535.
//
// IP literals are not errors: 127.0.0.1:8000 gives 127.0.0.1 and
// [0:0::1]:8000 gives [::1] (IPv6 in its canonical form, in brackets, without
// a zone). They belong to no tenant; the caller decides what they serve, and
// IsIPHost tells them apart.
func NormalizeHost(host string) (string, error) {
	if len(host) > maxHostHeaderBytes {
		return "", validationError("host", host, reasonHostTooLong)
	}
	name, port, hasPort, reason := splitHostPort(host)
	if reason != "" {
		return "", validationError("host", host, reason)
	}
	if !strings.HasPrefix(name, "[") {
		name, reason = normalizeName(name)
	}
	if reason == "" && hasPort && !validPort(port) {
		reason = "has a port that is not a number from 1 to 65535"
	}
	if reason != "" {
		return "", validationError("host", host, reason)
	}
	return name, nil
}

// splitHostPort splits a Host header into its name and port. A bracketed
// IPv6 literal is checked and returned in canonical bracketed form.
func splitHostPort(host string) (name, port string, hasPort bool, reason string) {
	if !strings.HasPrefix(host, "[") {
		i := strings.LastIndexByte(host, ':')
		if i < 0 {
			return host, "", false, ""
		}
		return host[:i], host[i+1:], true, ""
	}
	end := strings.IndexByte(host, ']')
	if end < 0 {
		return "", "", false, "has a '[' without a matching ']'"
	}
	addr, err := netip.ParseAddr(host[1:end])
	if err != nil || !addr.Is6() || addr.Zone() != "" {
		return "", "", false, "has an invalid IPv6 address in brackets"
	}
	name, rest := "["+addr.String()+"]", host[end+1:]
	if rest == "" {
		return name, "", false, ""
	}
	if rest[0] != ':' {
		return "", "", false, "has characters after ']' that are not a port"
	}
	return name, rest[1:], true, ""
}

// validPort reports whether p is a decimal port number from 1 to 65535.
func validPort(p string) bool {
	if p == "" || len(p) > len("65535") || strings.Trim(p, "0123456789") != "" {
		return false
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// IsIPHost reports whether h, a host as returned by NormalizeHost, is an IP
// address literal: IPv4 such as 127.0.0.1, or IPv6 with or without brackets.
func IsIPHost(h string) bool {
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	_, err := netip.ParseAddr(h)
	return err == nil
}

// ValidateDomain checks a domain to be registered for a tenant and returns
// its normalised form: lower-case, without a trailing dot
// ("Acme.Example.COM." gives acme.example.com). It follows the rules of
// NormalizeHost, and also refuses, with a *ValidationError of Field
// "domain", a port, an IP address, a name without a dot (tenant domains look
// like acme.example.com or acme.localhost) and a name whose last label is all
// digits. International names must be given in their punycode (xn--) form.
func ValidateDomain(domain string) (string, error) {
	if len(domain) > maxHostBytes+len(".") {
		return "", validationError("domain", domain, reasonHostTooLong)
	}
	name, reason := "", domainShapeProblem(domain)
	if reason == "" {
		name, reason = normalizeName(domain)
	}
	if reason == "" {
		reason = domainNameProblem(name)
	}
	if reason != "" {
		return "", validationError("domain", domain, reason)
	}
	return name, nil
}

// domainShapeProblem refuses IP literals and ports before name checks, so
// their messages say what is wrong.
func domainShapeProblem(domain string) string {
	switch {
	case strings.ContainsAny(domain, "[]") || strings.Count(domain, ":") > 1:
		return "must be a domain name, not an IP address"
	case strings.Contains(domain, ":"):
		return "must not include a port"
	}
	return ""
}

// domainNameProblem checks a normalised name for what a tenant domain needs
// beyond a valid host name.
func domainNameProblem(name string) string {
	last := name[strings.LastIndexByte(name, '.')+1:]
	switch {
	case IsIPHost(name):
		return "must be a domain name, not an IP address"
	case !strings.Contains(name, "."):
		return "must contain at least one dot, as in acme.example.com or acme.localhost"
	case strings.Trim(last, "0123456789") == "":
		return "must not end in an all-digit label"
	}
	return ""
}

// normalizeName lower-cases a DNS name, strips one trailing dot and checks
// its characters, length and labels. It returns the rule broken, if any.
func normalizeName(raw string) (name, reason string) {
	name, reason = lowerHostChars(raw)
	if reason != "" {
		return "", reason
	}
	name = strings.TrimSuffix(name, ".")
	if reason = labelsProblem(name); reason != "" {
		return "", reason
	}
	return name, ""
}

// lowerHostChars lower-cases the ASCII letters of s and refuses any byte
// outside letters, digits, '-' and '.'.
func lowerHostChars(s string) (string, string) {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z':
			b[i] = c + ('a' - 'A')
		case isLower(c), isDigit(c), c == '-', c == '.':
		case c >= utf8.RuneSelf:
			return "", "must be ASCII: use the punycode (xn--) form of an international name"
		default:
			return "", "may contain only letters a-z, digits 0-9, '-' and '.'"
		}
	}
	return string(b), ""
}

// labelsProblem checks the length of name and of each of its labels.
func labelsProblem(name string) string {
	if name == "" {
		return "must not be empty"
	}
	if len(name) > maxHostBytes {
		return reasonHostTooLong
	}
	for label := range strings.SplitSeq(name, ".") {
		switch {
		case label == "":
			return "has an empty label (a leading dot or '..')"
		case len(label) > maxLabelBytes:
			return "has a label longer than 63 bytes"
		case label[0] == '-' || label[len(label)-1] == '-':
			return "has a label that starts or ends with '-'"
		}
	}
	return ""
}
