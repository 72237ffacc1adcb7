package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/limits"
)

// The platform API's plans: the same library calls as "tenantry plan" and
// "tenantry tenant plan".

// PlanInput is a plan as PUT /api/platform/plans/{name} takes it: the whole
// plan, each limit left out being no limit.
type PlanInput struct {
	Rate             string           `json:"rate,omitempty" maxLength:"32" pattern:"^ *[0-9]+([.][0-9]+)? *(/ *(s|sec|second|m|min|minute|h|hour) *)?$" patternDescription:"a rate such as 10/s, 600/m or 36/h" doc:"the tenant's requests per second, minute or hour, as in 10/s, 600/m or 36/h; from 1/h to 1000000/s"`
	Burst            int              `json:"burst,omitempty" minimum:"1" maximum:"1000000" doc:"requests at once; default the rate per second (at least 1); needs a rate"`
	UserRate         string           `json:"user_rate,omitempty" maxLength:"32" pattern:"^ *[0-9]+([.][0-9]+)? *(/ *(s|sec|second|m|min|minute|h|hour) *)?$" patternDescription:"a rate such as 10/s, 600/m or 36/h" doc:"each user's requests per second, minute or hour"`
	UserBurst        int              `json:"user_burst,omitempty" minimum:"1" maximum:"1000000" doc:"needs a user_rate"`
	MaxTransactions  int              `json:"max_transactions,omitempty" minimum:"1" maximum:"10000"`
	StatementTimeout string           `json:"statement_timeout,omitempty" maxLength:"32" pattern:"^ *([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+ *$" patternDescription:"a duration such as 500ms or 2s" doc:"a duration from 1ms to 24h, as in 500ms or 2s"`
	MaxUsers         int              `json:"max_users,omitempty" minimum:"1" maximum:"10000000"`
	MaxJobs          int              `json:"max_jobs,omitempty" minimum:"1" maximum:"10000"`
	Quotas           map[string]int64 `json:"quotas,omitempty" doc:"the application's own limits by name, each at least 1"`
	Features         []string         `json:"features,omitempty" maxItems:"100" doc:"the features the plan turns on"`
}

// plan parses in into a plan named name; errors name the field.
func (in PlanInput) plan(name string) (limits.Plan, error) {
	p := limits.Plan{Name: name, Burst: in.Burst, UserBurst: in.UserBurst, MaxTransactions: in.MaxTransactions,
		MaxUsers: in.MaxUsers, MaxJobs: in.MaxJobs, Quotas: in.Quotas, Features: limits.FeatureSet(in.Features)}
	var err error
	if in.Rate != "" {
		if p.Rate, err = limits.ParseRate("rate", in.Rate); err != nil {
			return p, err
		}
	}
	if in.UserRate != "" {
		if p.UserRate, err = limits.ParseRate("user_rate", in.UserRate); err != nil {
			return p, err
		}
	}
	if in.StatementTimeout != "" {
		if p.StatementTimeout, err = limits.ParseTimeout("statement_timeout", in.StatementTimeout); err != nil {
			return p, err
		}
	}
	return p, p.Validate()
}

type planNameInput struct {
	Bearer
	Name string `path:"name" maxLength:"64"`
}

type putPlanInput struct {
	Bearer
	Name string `path:"name" pattern:"^[a-z][a-z0-9_-]{0,63}$" doc:"lower-case letters, digits, _ and -, starting with a letter"`
	Body PlanInput
}

type deletePlanInput struct {
	Bearer
	Name   string `path:"name" maxLength:"64"`
	MoveTo string `query:"move_to" maxLength:"64" doc:"move the plan's tenants to this plan first"`
}

type tenantPlanInput struct {
	Bearer
	Ref  string `path:"ref" maxLength:"253" doc:"the tenant's slug, schema name, id or one of its domains"`
	Body struct {
		Plan string `json:"plan" minLength:"1" maxLength:"64"`
	}
}

type planOutput struct{ Body limits.PlanView }

type planListOutput struct {
	Body struct {
		Plans []limits.PlanView `json:"plans" doc:"every plan, ordered by name"`
	}
}

func (s *server) registerPlans(api huma.API) {
	op := func(id, method, path, summary string, errs ...int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{"platform"},
			Security: secured, Errors: append([]int{401, 404}, errs...)}
	}
	const plans, plan = "/api/platform/plans", "/api/platform/plans/{name}"
	huma.Register(api, op("platform-list-plans", http.MethodGet, plans, "List every plan"), s.listPlans)
	huma.Register(api, op("platform-get-plan", http.MethodGet, plan, "One plan"), s.getPlan)
	put := op("platform-put-plan", http.MethodPut, plan, "Create or replace a plan", 422)
	put.Description = "The whole plan: a limit left out is no limit. Limits of zero, negative ones, rates outside 1/h to " +
		"1000000/s and units other than /s, /m and /h are refused with 422 naming the field. Running servers apply the change within a second."
	huma.Register(api, put, s.putPlan)
	del := op("platform-delete-plan", http.MethodDelete, plan, "Delete a plan", 409)
	del.DefaultStatus = http.StatusNoContent
	del.Description = "A plan tenants are on is refused (409) unless move_to names the plan to move them to; the default plan (free) is never deleted."
	huma.Register(api, del, s.deletePlan)
	huma.Register(api, op("platform-set-tenant-plan", http.MethodPut, "/api/platform/tenants/{ref}/plan",
		"Put a tenant on a plan", 409, 422), s.setTenantPlan)
}

func (s *server) listPlans(ctx context.Context, in *struct{ Bearer }) (*planListOutput, error) {
	if _, err := s.asOperator(ctx, in.Bearer); err != nil {
		return nil, err
	}
	ps, err := limits.ListPlans(ctx, s.cfg.Pool)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &planListOutput{}
	out.Body.Plans = make([]limits.PlanView, len(ps))
	for i, p := range ps {
		out.Body.Plans[i] = p.View()
	}
	return out, nil
}

func (s *server) getPlan(ctx context.Context, in *planNameInput) (*planOutput, error) {
	if _, err := s.asOperator(ctx, in.Bearer); err != nil {
		return nil, err
	}
	p, err := limits.GetPlan(ctx, s.cfg.Pool, in.Name)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &planOutput{Body: p.View()}, nil
}

func (s *server) putPlan(ctx context.Context, in *putPlanInput) (*planOutput, error) {
	o, err := s.asOperator(ctx, in.Bearer)
	if err != nil {
		return nil, err
	}
	p, err := in.Body.plan(in.Name)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	saved, err := limits.SavePlan(audit.WithActor(ctx, operatorActor(o)), s.cfg.Pool, p)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	s.log.InfoContext(ctx, "platform operation", "request_id", RequestID(ctx), "operator", o.Username, "action", "save plan", "plan", p.Name)
	return &planOutput{Body: saved.View()}, nil
}

func (s *server) deletePlan(ctx context.Context, in *deletePlanInput) (*emptyOutput, error) {
	o, err := s.asOperator(ctx, in.Bearer)
	if err != nil {
		return nil, err
	}
	if _, err := limits.DeletePlan(audit.WithActor(ctx, operatorActor(o)), s.cfg.Pool, in.Name, in.MoveTo); err != nil {
		return nil, s.problem(ctx, err)
	}
	s.log.InfoContext(ctx, "platform operation", "request_id", RequestID(ctx), "operator", o.Username, "action", "delete plan", "plan", in.Name)
	return &emptyOutput{}, nil
}

func (s *server) setTenantPlan(ctx context.Context, in *tenantPlanInput) (*tenantOutput, error) {
	o, err := s.asOperator(ctx, in.Bearer)
	if err != nil {
		return nil, err
	}
	t, err := limits.AssignPlan(audit.WithActor(ctx, operatorActor(o)), s.cfg.Pool, in.Ref, in.Body.Plan)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	s.cfg.Registry.Invalidate(t.ID)
	s.logPlatformOp(ctx, o, "set plan "+t.Plan, t)
	return &tenantOutput{Body: platformTenant(t)}, nil
}
