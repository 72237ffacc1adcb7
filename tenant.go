package tenantry

import (
	"encoding/json"
	"fmt"
	"time"
)

// Status is a tenant's place in its lifecycle.
type Status string

// The statuses a tenant can have. Only active tenants are served; suspended
// and terminated ones get 503 from the routing middleware and are refused by
// job workers. A deleting tenant is one whose delete has begun but not
// finished (provision.Delete): it is served as if it no longer existed (404,
// jobs cancelled, tenant transactions refused), and only finishing the
// delete changes it.
const (
	StatusActive     Status = "active"
	StatusSuspended  Status = "suspended"
	StatusTerminated Status = "terminated"
	StatusDeleting   Status = "deleting"
)

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusSuspended, StatusTerminated, StatusDeleting:
		return true
	}
	return false
}

// Settable reports whether s is a status an operator may give a tenant:
// active, suspended or terminated. Deleting is set by provision.Delete only.
func (s Status) Settable() bool { return s.Valid() && s != StatusDeleting }

// ParseStatus returns the Status named by s, or a *ValidationError.
func ParseStatus(s string) (Status, error) {
	st := Status(s)
	if !st.Valid() {
		return "", &ValidationError{Field: "status", Value: s, Reason: "must be active, suspended, terminated or deleting"}
	}
	return st, nil
}

// Tenant is one customer: a row of public.tenants and the schema and
// database role that hold its data.
type Tenant struct {
	ID              int64           `json:"id"`
	Slug            string          `json:"slug"`
	SchemaName      string          `json:"schema"`
	RoleName        string          `json:"role,omitempty"`
	Name            string          `json:"name"`
	Status          Status          `json:"status"`
	Locale          string          `json:"locale"`
	Timezone        string          `json:"timezone"`
	DefaultCurrency string          `json:"default_currency"`
	Features        json.RawMessage `json:"features"`
	Plan            string          `json:"plan"`
	// Domains are the tenant's verified domains, primary first: the hosts
	// that reach it. Pending ones are listed by the domains package.
	Domains []string `json:"domains,omitempty"`
	// Maintenance is set while the tenant is in maintenance (an
	// operator's "tenant maintenance on", or its schema migrating under
	// "migrate --maintenance"): its hosts answer 503 with Retry-After.
	Maintenance bool `json:"maintenance"`
	// PurgeAfter is when a terminated tenant's data may be purged; nil
	// for every other tenant.
	PurgeAfter *time.Time `json:"purge_after,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Active reports whether the tenant may be served.
func (t *Tenant) Active() bool { return t.Status == StatusActive }

// Deleting reports whether the tenant's delete has begun: for everything
// but finishing the delete, it no longer exists.
func (t *Tenant) Deleting() bool { return t.Status == StatusDeleting }

// String names the tenant by slug and id, for logs and messages.
func (t *Tenant) String() string { return fmt.Sprintf("%s (#%d)", t.Slug, t.ID) }

// PrimaryDomain returns the tenant's primary domain (the registry lists it
// first), or "" when it has none. Links and mails to the tenant use it.
func (t *Tenant) PrimaryDomain() string {
	if len(t.Domains) == 0 {
		return ""
	}
	return t.Domains[0]
}
