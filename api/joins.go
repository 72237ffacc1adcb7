package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/signup"
	"github.com/tenantry/tenantry/tenantdb"
)

type listJoinRequestsInput struct {
	Bearer
	Status string `query:"status" enum:"pending,approved,rejected," doc:"only requests with this status; default all, pending first"`
}

type joinRequestInput struct {
	Bearer
	ID int64 `path:"id" minimum:"1" doc:"the join request's id"`
}

type joinRequestsOutput struct {
	Body struct {
		Results []signup.JoinRequest `json:"results" nullable:"false"`
	}
}

type joinRequestOutput struct{ Body *signup.JoinRequest }

type emailDomainsOutput struct {
	Body struct {
		Results []signup.EmailDomain `json:"results" nullable:"false"`
	}
}

type patchEmailDomainInput struct {
	Bearer
	Domain string `path:"domain" minLength:"1" maxLength:"253"`
	Body   struct {
		AutoJoin bool `json:"auto_join" doc:"true: verified signups from this domain become members without asking"`
	}
}

type emailDomainOutput struct{ Body *signup.EmailDomain }

func (s *server) registerJoinRequests(api huma.API) {
	if s.cfg.Signup == nil {
		return
	}
	op := func(id, method, path, summary string, errs ...int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Tags: []string{"join requests"}, Summary: summary,
			Description: "Owners and admins (users:manage).", Security: secured, Errors: append([]int{401, 403, 404}, errs...)}
	}
	huma.Register(api, op("list-join-requests", http.MethodGet, "/api/join-requests",
		"Requests to join this tenant from signups of its email domains"), s.listJoinRequests)
	huma.Register(api, op("approve-join-request", http.MethodPost, "/api/join-requests/{id}/approve",
		"Approve: the user is created as a member, with the password typed at signup", 409), s.decide(true))
	huma.Register(api, op("reject-join-request", http.MethodPost, "/api/join-requests/{id}/reject",
		"Reject: the requester is told by email", 409), s.decide(false))
	huma.Register(api, op("list-email-domains", http.MethodGet, "/api/email-domains",
		"Email domains this tenant claimed through signup"), s.listEmailDomains)
	huma.Register(api, op("patch-email-domain", http.MethodPatch, "/api/email-domains/{domain}",
		"Turn auto-join on or off for an email domain", 422), s.patchEmailDomain)
}

// asManager checks that the bearer is a user of the request's tenant who
// may manage users, in a short tenant transaction, and returns them.
func (s *server) asManager(ctx context.Context, b Bearer) (*auth.User, error) {
	var actor *auth.User
	err := s.asUser(ctx, b, auth.UsersManage, func(_ *tenantdb.Tx, u *auth.User) error {
		actor = u
		return nil
	})
	return actor, err
}

func (s *server) listJoinRequests(ctx context.Context, in *listJoinRequestsInput) (*joinRequestsOutput, error) {
	if _, err := s.asManager(ctx, in.Bearer); err != nil {
		return nil, err
	}
	t := mustTenant(ctx)
	list, err := s.cfg.Signup.JoinRequests(ctx, t, in.Status)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &joinRequestsOutput{}
	out.Body.Results = list
	return out, nil
}

func (s *server) decide(approve bool) func(context.Context, *joinRequestInput) (*joinRequestOutput, error) {
	return func(ctx context.Context, in *joinRequestInput) (*joinRequestOutput, error) {
		actor, err := s.asManager(ctx, in.Bearer)
		if err != nil {
			return nil, err
		}
		j, err := s.cfg.Signup.Decide(audit.WithActor(ctx, userActor(actor)), mustTenant(ctx), in.ID, actor.ID, approve)
		switch {
		case errors.Is(err, signup.ErrRequestNotFound):
			return nil, huma.Error404NotFound(err.Error())
		case errors.Is(err, signup.ErrRequestDecided), errors.Is(err, signup.ErrEmailRegistered):
			return nil, huma.Error409Conflict(err.Error())
		case err != nil:
			return nil, s.problem(ctx, err)
		}
		return &joinRequestOutput{Body: j}, nil
	}
}

func (s *server) listEmailDomains(ctx context.Context, in *struct{ Bearer }) (*emailDomainsOutput, error) {
	if _, err := s.asManager(ctx, in.Bearer); err != nil {
		return nil, err
	}
	list, err := s.cfg.Signup.EmailDomains(ctx, mustTenant(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &emailDomainsOutput{}
	out.Body.Results = list
	return out, nil
}

func (s *server) patchEmailDomain(ctx context.Context, in *patchEmailDomainInput) (*emailDomainOutput, error) {
	if _, err := s.asManager(ctx, in.Bearer); err != nil {
		return nil, err
	}
	d, err := s.cfg.Signup.SetAutoJoin(ctx, mustTenant(ctx), in.Domain, in.Body.AutoJoin)
	if errors.Is(err, signup.ErrDomainNotFound) {
		return nil, huma.Error404NotFound(err.Error())
	}
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &emailDomainOutput{Body: d}, nil
}

// mustTenant returns the request's tenant, which asUser has required.
func mustTenant(ctx context.Context) *tenantry.Tenant {
	t, _ := tenantry.FromContext(ctx)
	return t
}
