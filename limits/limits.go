package limits

import (
	"encoding/json"
	"maps"
)

// Limits are a tenant's effective limits and features: its plan's, with
// the tenant's own features over the plan's. A zero limit is no limit. Its
// plan is shared with other callers: treat it as read-only.
type Limits struct {
	*Plan
	// Known is false when the tenant names a plan that does not exist: the
	// limits are then the default plan's (Plan.Name says which).
	Known bool
	// features are the tenant's own feature flags.
	features map[string]json.RawMessage
}

// Feature reports whether feature name is on for the tenant: the tenant's
// own flag when it has one (a JSON true or false), else its plan's.
func (l Limits) Feature(name string) bool {
	if raw, ok := l.features[name]; ok {
		var on bool
		if json.Unmarshal(raw, &on) == nil {
			return on
		}
	}
	return l.Plan.Features[name]
}

// Features returns every feature flag of the tenant, the tenant's own over
// its plan's.
func (l Limits) Features() map[string]bool {
	out := maps.Clone(l.Plan.Features)
	if out == nil {
		out = map[string]bool{}
	}
	for name, raw := range l.features {
		var on bool
		if json.Unmarshal(raw, &on) == nil {
			out[name] = on
		}
	}
	return out
}

// Quota returns the plan's application-defined limit name, and whether
// the plan sets one.
func (l Limits) Quota(name string) (int64, bool) {
	n, ok := l.Plan.Quotas[name]
	return n, ok
}

// effective combines a plan and a tenant's raw features.
func effective(p *Plan, known bool, tenantFeatures []byte) Limits {
	l := Limits{Plan: p, Known: known}
	if len(tenantFeatures) > 0 {
		_ = json.Unmarshal(tenantFeatures, &l.features) // the column is a JSON object (its check)
	}
	return l
}
