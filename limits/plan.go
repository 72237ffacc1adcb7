package limits

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/tenantry/tenantry"
)

// DefaultPlan is the plan of a tenant created without one, and of a tenant
// whose plan does not exist. It always exists and cannot be deleted.
const DefaultPlan = "free"

// Bounds of a plan's limits; a limit outside them is refused as a typo
// rather than taken (zero and negative limits too: leave a limit out for
// none).
const (
	MaxRate             = 1_000_000 // requests per second
	MinRate             = 1.0 / 3600
	MaxBurst            = 1_000_000
	MaxTransactions     = 10_000
	MaxStatementTimeout = 24 * time.Hour
	MinStatementTimeout = time.Millisecond
	MaxUsers            = 10_000_000
	MaxJobs             = 10_000
	MaxFeatures         = 100
	MaxQuotas           = 100
)

// Plan is a named set of limits and features. A zero limit is no limit.
type Plan struct {
	Name string
	// Rate is the tenant's sustained requests per second, Burst how many it
	// may send at once (default: Rate, at least 1).
	Rate  float64
	Burst int
	// UserRate and UserBurst are the same for each user (or, before
	// logging in, each client address) within the tenant.
	UserRate  float64
	UserBurst int
	// MaxTransactions caps the tenant's concurrent database transactions
	// in each pool of each server instance.
	MaxTransactions int
	// StatementTimeout is set transaction-locally on each of the tenant's
	// transactions.
	StatementTimeout time.Duration
	// MaxUsers caps the number of the tenant's users.
	MaxUsers int
	// MaxJobs caps the tenant's jobs running at once in each worker
	// process.
	MaxJobs int
	// Quotas are the application's own limits by name (rows, storage...):
	// the application reads and enforces them (Limits.Quota).
	Quotas map[string]int64
	// Features are the plan's feature flags, on or off.
	Features map[string]bool
	// Tenants is how many tenants name the plan (filled by ListPlans and
	// GetPlan).
	Tenants   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

var (
	planName    = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)
	featureName = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)
)

// ValidatePlanName checks a new plan's name: lower-case letters, digits, _
// and -, starting with a letter, at most 64 characters.
func ValidatePlanName(name string) error {
	if !planName.MatchString(name) {
		return invalid("plan", name, "must be 1 to 64 lower-case letters, digits, _ or -, starting with a letter")
	}
	return nil
}

// Validate checks every limit of p against its bounds and fills in the
// default bursts, returning a *tenantry.ValidationError naming the first
// field that is wrong.
func (p *Plan) Validate() error {
	if err := ValidatePlanName(p.Name); err != nil {
		return err
	}
	if err := validateRate("rate", "burst", p.Rate, &p.Burst); err != nil {
		return err
	}
	if err := validateRate("user_rate", "user_burst", p.UserRate, &p.UserBurst); err != nil {
		return err
	}
	checks := []struct {
		field string
		v     int64
		max   int64
	}{
		{"max_transactions", int64(p.MaxTransactions), MaxTransactions},
		{"max_users", int64(p.MaxUsers), MaxUsers},
		{"max_jobs", int64(p.MaxJobs), MaxJobs},
	}
	for _, c := range checks {
		if err := bounded(c.field, c.v, c.max); err != nil {
			return err
		}
	}
	if t := p.StatementTimeout; t != 0 && (t < MinStatementTimeout || t > MaxStatementTimeout) {
		return invalid("statement_timeout", t.String(), "must be from 1ms to 24h (leave it out for no limit)")
	}
	if p.StatementTimeout%time.Millisecond != 0 {
		return invalid("statement_timeout", p.StatementTimeout.String(), "must be a whole number of milliseconds")
	}
	if err := validateFeatures(p.Features); err != nil {
		return err
	}
	return validateQuotas(p.Quotas)
}

func validateRate(rateField, burstField string, rate float64, burst *int) error {
	switch {
	case rate == 0 && *burst != 0:
		return invalid(burstField, fmt.Sprint(*burst), "needs a "+rateField)
	case rate == 0:
		return nil
	case !(rate >= MinRate && rate <= MaxRate): // NaN too
		return invalid(rateField, fmt.Sprint(rate), "must be from 1/h to 1000000/s (leave it out for no limit)")
	case *burst < 0 || *burst > MaxBurst:
		return invalid(burstField, fmt.Sprint(*burst), fmt.Sprintf("must be from 1 to %d", MaxBurst))
	case *burst == 0:
		*burst = max(1, int(rate+0.999999))
	}
	return nil
}

func bounded(field string, v, hi int64) error {
	if v < 0 || v > hi {
		return invalid(field, fmt.Sprint(v), fmt.Sprintf("must be from 1 to %d (leave it out for no limit)", hi))
	}
	return nil
}

func validateFeatures(f map[string]bool) error {
	if len(f) > MaxFeatures {
		return invalid("features", "", fmt.Sprintf("at most %d features", MaxFeatures))
	}
	for _, name := range slices.Sorted(maps.Keys(f)) {
		if !featureName.MatchString(name) {
			return invalid("features", name, "a feature is 1 to 64 lower-case letters, digits, _ . or -, starting with a letter")
		}
	}
	return nil
}

func validateQuotas(q map[string]int64) error {
	if len(q) > MaxQuotas {
		return invalid("quotas", "", fmt.Sprintf("at most %d quotas", MaxQuotas))
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !featureName.MatchString(name) {
			return invalid("quotas", name, "a quota's name is 1 to 64 lower-case letters, digits, _ . or -, starting with a letter")
		}
		if q[name] < 1 {
			return invalid("quotas", fmt.Sprintf("%s=%d", name, q[name]), "must be at least 1 (leave it out for no limit)")
		}
	}
	return nil
}

func invalid(field, value, reason string) error {
	return &tenantry.ValidationError{Field: field, Value: value, Reason: reason}
}
