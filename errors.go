package tenantry

import (
	"errors"
	"fmt"
)

// Sentinel errors returned across the library; match them with errors.Is.
var (
	// ErrTenantNotFound: no tenant has the given slug, schema, id or domain.
	ErrTenantNotFound = errors.New("tenant not found")
	// ErrTenantExists: a tenant with that slug or schema already exists.
	ErrTenantExists = errors.New("tenant already exists")
	// ErrDomainTaken: the domain already belongs to a tenant.
	ErrDomainTaken = errors.New("domain already in use")
	// ErrTenantInactive: the tenant is suspended or terminated.
	ErrTenantInactive = errors.New("tenant is not active")
	// ErrTenantDeleting: the tenant is being deleted; only finishing the
	// delete may change it.
	ErrTenantDeleting = errors.New("tenant is being deleted")
	// ErrNoTenant: the context carries no tenant.
	ErrNoTenant = errors.New("no tenant in context")
)

// ValidationError reports input that breaks one of the rules for slugs,
// schema names, domains, hosts or other fields. Its message names the field
// and the rule, and is safe to show to the user who sent the input.
type ValidationError struct {
	Field  string // "slug", "domain", "host", ...
	Value  string // the offending input, possibly truncated
	Reason string // the rule it breaks
}

func (e *ValidationError) Error() string {
	v := e.Value
	if len(v) > 64 {
		v = v[:64] + "..."
	}
	if v == "" {
		return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("invalid %s %q: %s", e.Field, v, e.Reason)
}

// IsValidation reports whether err is or wraps a *ValidationError.
func IsValidation(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve)
}
