package limits

import (
	"errors"
	"fmt"
	"time"
)

// Errors of plan management.
var (
	// ErrPlanNotFound: no plan has that name.
	ErrPlanNotFound = errors.New("plan not found")
	// ErrPlanInUse: a plan some tenants still name cannot be deleted.
	ErrPlanInUse = errors.New("plan in use")
	// ErrDefaultPlan: the default plan cannot be deleted.
	ErrDefaultPlan = errors.New("the default plan cannot be deleted")
	// ErrLimited is wrapped by every error that refuses work for a limit:
	// match it to answer "try later" (BusyError, RateError) or "not
	// allowed by the plan" (QuotaError).
	ErrLimited = errors.New("limit reached")
)

// InUseError is ErrPlanInUse with the number of tenants on the plan.
type InUseError struct {
	Plan    string
	Tenants int
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("plan %q is in use by %d tenant(s): move them to another plan first (tenant plan T PLAN), or delete with --move-to PLAN",
		e.Plan, e.Tenants)
}

// Unwrap makes errors.Is(err, ErrPlanInUse) hold.
func (e *InUseError) Unwrap() error { return ErrPlanInUse }

// QuotaError refuses what a plan's limit does not allow, such as one user
// more than max_users.
type QuotaError struct {
	Limit string // the plan's field: "max_users"
	Plan  string
	Max   int64
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("limit reached: the plan %q allows at most %d (%s)", e.Plan, e.Max, e.Limit)
}

// Unwrap makes errors.Is(err, ErrLimited) hold.
func (e *QuotaError) Unwrap() error { return ErrLimited }

// BusyError refuses a tenant's transaction that waited for a slot under
// its cap (max_transactions) and got none: the tenant has that many
// running already. RetryAfter is when to try again.
type BusyError struct {
	Tenant     string
	Max        int
	RetryAfter time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("tenant %s has %d database transactions running, its limit (max_transactions): retry shortly", e.Tenant, e.Max)
}

// Unwrap makes errors.Is(err, ErrLimited) hold.
func (e *BusyError) Unwrap() error { return ErrLimited }
