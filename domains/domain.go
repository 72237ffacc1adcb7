package domains

import (
	"errors"
	"time"

	"golang.org/x/net/idna"
)

// Status is where a domain is in its verification.
type Status string

// A pending domain routes nowhere until verified.
const (
	StatusPending  Status = "pending"
	StatusVerified Status = "verified"
)

// How a domain came to be verified (Domain.VerifiedBy).
const (
	ByBaseDomain = "base-domain" // a subdomain of the base domain, at once
	ByDNS        = "dns"         // the TXT record _tenantry.<domain>
	ByHTTP       = "http"        // the file /.well-known/tenantry/<token>
	ByOperator   = "operator"    // given when the tenant was created
)

// Domain is one domain of a tenant.
type Domain struct {
	Name            string     `json:"domain" doc:"ASCII (punycode) form"`
	Unicode         string     `json:"unicode" doc:"the name as people read it; equals domain for an ASCII name"`
	TenantID        int64      `json:"tenant_id"`
	Primary         bool       `json:"primary" doc:"what links and mails to the tenant use"`
	Status          Status     `json:"status" enum:"pending,verified"`
	Token           string     `json:"token,omitempty" doc:"pending domains: the value the TXT record or HTTP file must hold"`
	PrimaryOnVerify bool       `json:"primary_on_verify,omitempty" doc:"becomes the primary domain once verified"`
	VerifiedAt      *time.Time `json:"verified_at,omitempty"`
	VerifiedBy      string     `json:"verified_by,omitempty" enum:"base-domain,dns,http,operator"`
	CheckedAt       *time.Time `json:"checked_at,omitempty" doc:"when control was last checked"`
	LastError       string     `json:"last_error,omitempty" doc:"why the last check failed"`
	CreatedAt       time.Time  `json:"created_at"`
}

// TXTName is the name of the TXT record that proves control of d.
func (d *Domain) TXTName() string { return TXTName(d.Name) }

// TXTName is the name of the TXT record that proves control of domain.
func TXTName(domain string) string { return "_tenantry." + domain }

// FilePath is the HTTP path of the file that proves control of d.
func (d *Domain) FilePath() string { return WellKnownPrefix + d.Token }

// WellKnownPrefix is the path under which verification files are served.
const WellKnownPrefix = "/.well-known/tenantry/"

// unicodeOf is name as people read it, or name when it cannot be converted.
func unicodeOf(name string) string {
	u, err := idna.Lookup.ToUnicode(name)
	if err != nil {
		return name
	}
	return u
}

// Errors returned by the Service; match them with errors.Is. A domain of
// another tenant is tenantry.ErrDomainTaken.
var (
	// ErrNotFound: the tenant has no such domain.
	ErrNotFound = errors.New("the tenant has no such domain")
	// ErrNotVerified: a pending domain cannot be the primary one.
	ErrNotVerified = errors.New("the domain is not verified yet")
	// ErrPrimary: the primary domain cannot be removed.
	ErrPrimary = errors.New("the primary domain cannot be removed: make another domain primary first")
)
