package limits

import (
	"maps"
	"slices"
	"time"
)

// PlanView is a plan as the CLI (plan list --json) and the platform API
// show it: rates as N/s, N/m or N/h, the timeout as a duration, the
// features that are on; a limit left out is no limit.
type PlanView struct {
	Name             string           `json:"name"`
	Rate             string           `json:"rate,omitempty" doc:"the tenant's requests per second, minute or hour, as in 10/s"`
	Burst            int              `json:"burst,omitempty" doc:"requests the tenant may send at once"`
	UserRate         string           `json:"user_rate,omitempty" doc:"each user's requests per second, minute or hour"`
	UserBurst        int              `json:"user_burst,omitempty"`
	MaxTransactions  int              `json:"max_transactions,omitempty" doc:"concurrent database transactions per pool and server instance"`
	StatementTimeout string           `json:"statement_timeout,omitempty" doc:"statement_timeout of the tenant's transactions, as in 2s"`
	MaxUsers         int              `json:"max_users,omitempty"`
	MaxJobs          int              `json:"max_jobs,omitempty" doc:"the tenant's jobs running at once per worker process"`
	Quotas           map[string]int64 `json:"quotas" doc:"the application's own limits by name"`
	Features         []string         `json:"features" doc:"the plan's features that are on"`
	Tenants          int              `json:"tenants" doc:"how many tenants are on the plan"`
	CreatedAt        time.Time        `json:"created_at"`
	UpdatedAt        time.Time        `json:"updated_at"`
}

// View returns p as PlanView.
func (p *Plan) View() PlanView {
	v := PlanView{Name: p.Name, Rate: FormatRate(p.Rate), Burst: p.Burst, UserRate: FormatRate(p.UserRate),
		UserBurst: p.UserBurst, MaxTransactions: p.MaxTransactions, MaxUsers: p.MaxUsers, MaxJobs: p.MaxJobs,
		Quotas: p.Quotas, Features: []string{}, Tenants: p.Tenants, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if p.StatementTimeout > 0 {
		v.StatementTimeout = p.StatementTimeout.String()
	}
	if v.Quotas == nil {
		v.Quotas = map[string]int64{}
	}
	for _, f := range slices.Sorted(maps.Keys(p.Features)) {
		if p.Features[f] {
			v.Features = append(v.Features, f)
		}
	}
	return v
}

// FeatureSet turns a list of feature names into the plan's flags.
func FeatureSet(names []string) map[string]bool {
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out
}
