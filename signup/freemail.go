package signup

import "strings"

// publicMailDomains are free-mail providers and disposable-address services:
// anyone can have an address there, so an address there says nothing about
// which company its owner works for, and such a domain is never claimed by
// a tenant. Subdomains count too (eu.mailinator.com). Keep the list sorted
// within each group; add to it when a support ticket shows a new one.
var publicMailDomains = func() map[string]bool {
	free := []string{
		"126.com", "163.com", "aim.com", "aol.com", "fastmail.com", "fastmail.fm",
		"gmail.com", "gmx.at", "gmx.ch", "gmx.com", "gmx.de", "gmx.net", "googlemail.com",
		"hey.com", "hotmail.co.uk", "hotmail.com", "hotmail.de", "hotmail.fr", "hushmail.com",
		"icloud.com", "inbox.com", "laposte.net", "live.com", "mac.com", "mail.com", "mail.ru",
		"me.com", "msn.com", "naver.com", "orange.fr", "outlook.com", "outlook.de", "pm.me",
		"proton.me", "protonmail.ch", "protonmail.com", "qq.com", "rambler.ru", "rediffmail.com",
		"t-online.de", "tuta.io", "tutanota.com", "web.de", "yahoo.co.jp", "yahoo.co.uk",
		"yahoo.com", "yahoo.de", "yahoo.fr", "yandex.com", "yandex.ru", "ymail.com",
		"zoho.com", "zohomail.com",
	}
	disposable := []string{
		"10minutemail.com", "33mail.com", "dispostable.com", "emailondeck.com",
		"fakeinbox.com", "getnada.com", "grr.la", "guerrillamail.com", "guerrillamail.net",
		"mailcatch.com", "maildrop.cc", "mailinator.com", "mailnesia.com", "mintemail.com",
		"mohmal.com", "sharklasers.com", "spamgourmet.com", "temp-mail.org", "tempmail.com",
		"tempmailo.com", "throwawaymail.com", "trashmail.com", "yopmail.com", "yopmail.fr",
	}
	m := make(map[string]bool, len(free)+len(disposable))
	for _, d := range append(free, disposable...) {
		m[d] = true
	}
	return m
}()

// IsPublicMailDomain reports whether domain (lower case) is a free-mail or
// disposable-address domain, or a subdomain of one: such domains never map
// to a tenant.
func IsPublicMailDomain(domain string) bool {
	for d := domain; d != ""; {
		if publicMailDomains[d] {
			return true
		}
		_, rest, ok := strings.Cut(d, ".")
		if !ok || !strings.Contains(rest, ".") {
			return false
		}
		d = rest
	}
	return false
}
