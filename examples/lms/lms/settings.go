package lms

import (
	"encoding/json"

	"github.com/tenantry/tenantry"
)

// Tenant settings, keys of tenantry.Tenant.Features (public.tenants.features).
const (
	// FeaturePartialPayments: false makes every payment settle the loan's
	// whole outstanding balance (a smaller one is 422). Default true: any
	// value but JSON false allows partial payments.
	FeaturePartialPayments = "payments.partial"
	// FeatureOfficerLimit: a non-negative integer, in minor units of the
	// tenant's default currency. Users without loans:approve_any (loan
	// officers) approve and disburse only loans in that currency whose
	// principal is at most this. Default none: no limit. A value that is
	// not a non-negative integer counts as 0, so a mistyped limit never
	// widens what officers may do.
	FeatureOfficerLimit = "loans.officer_limit"
)

// settings are a tenant's rules read from its features.
type settings struct {
	partialPayments bool
	officerLimit    *int64 // nil: no limit
}

// settingsOf reads t's features; a nil tenant (a static schema) has the
// defaults.
func settingsOf(t *tenantry.Tenant) settings {
	s := settings{partialPayments: true}
	if t == nil {
		return s
	}
	var f map[string]json.RawMessage
	if json.Unmarshal(t.Features, &f) != nil {
		return s
	}
	var partial bool
	if raw, ok := f[FeaturePartialPayments]; ok && json.Unmarshal(raw, &partial) == nil && !partial {
		s.partialPayments = false
	}
	if raw, ok := f[FeatureOfficerLimit]; ok {
		var limit int64
		if json.Unmarshal(raw, &limit) != nil || limit < 0 {
			limit = 0
		}
		s.officerLimit = &limit
	}
	return s
}
