package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

type auditInput struct {
	Bearer
	Action   string `query:"action" maxLength:"100" doc:"only entries with this action, e.g. auth.login_failed"`
	BeforeID int64  `query:"before_id" minimum:"0" maximum:"9007199254740991" doc:"only entries older than this id: the last id of the previous page; 0 or absent for the newest. Ids are bigint; the maximum is the largest integer every JSON reader holds exactly"`
	Limit    int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

// platformAuditInput repeats auditInput's fields: huma reads parameters
// only from exported fields and exported embedded types.
type platformAuditInput struct {
	Bearer
	Action   string `query:"action" maxLength:"100" doc:"only entries with this action, e.g. tenant.suspended"`
	BeforeID int64  `query:"before_id" minimum:"0" maximum:"9007199254740991" doc:"only entries older than this id: the last id of the previous page; 0 or absent for the newest. Ids are bigint; the maximum is the largest integer every JSON reader holds exactly"`
	Limit    int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
	Tenant   string `query:"tenant" maxLength:"253" doc:"only this tenant's entries: its slug, schema, domain or id"`
}

type auditOutput struct {
	Body struct {
		Results []audit.Entry `json:"results" nullable:"false"`
	}
}

func (s *server) registerAudit(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-audit", Method: http.MethodGet, Path: "/api/audit", Tags: []string{"audit"},
		Summary:     "The tenant's audit log, newest first",
		Description: "Logins and their failures, refused tokens, role changes, join decisions and the tenant's lifecycle. Needs " + string(auth.AuditRead) + " (owners and admins).",
		Security:    secured, Errors: []int{401, 403, 404, 422},
	}, s.listAudit)
	if s.cfg.Registry == nil {
		return
	}
	huma.Register(api, huma.Operation{
		OperationID: "platform-audit", Method: http.MethodGet, Path: "/api/platform/audit", Tags: []string{"platform"},
		Summary:  "The whole platform's audit log, newest first",
		Security: secured, Errors: []int{401, 404, 422},
	}, s.platformAudit)
}

// listAudit reads through the tenant's own transaction: row-level security
// shows it its tenant's entries only, whatever the query says.
func (s *server) listAudit(ctx context.Context, in *auditInput) (*auditOutput, error) {
	out := &auditOutput{}
	err := s.asUser(ctx, in.Bearer, auth.AuditRead, func(tx *tenantdb.Tx, _ *auth.User) error {
		var err error
		out.Body.Results, err = audit.List(ctx, tx, audit.Filter{TenantID: tx.Tenant.ID, Action: in.Action,
			BeforeID: in.BeforeID, Limit: in.Limit})
		return err
	})
	return out, err
}

func (s *server) platformAudit(ctx context.Context, in *platformAuditInput) (*auditOutput, error) {
	if _, err := s.asOperator(ctx, in.Bearer); err != nil {
		return nil, err
	}
	f := audit.Filter{Action: in.Action, BeforeID: in.BeforeID, Limit: in.Limit}
	if in.Tenant != "" {
		// A deleted tenant's entries stay: an id is taken as is.
		if id, err := strconv.ParseInt(in.Tenant, 10, 64); err == nil && id > 0 {
			f.TenantID = id
		} else {
			t, err := s.cfg.Registry.Find(ctx, in.Tenant)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			f.TenantID = t.ID
		}
	}
	out := &auditOutput{}
	var err error
	if out.Body.Results, err = audit.List(ctx, s.cfg.Pool, f); err != nil {
		return nil, s.problem(ctx, err)
	}
	return out, nil
}

// userActor is u as an audit actor.
func userActor(u *auth.User) audit.Actor {
	return audit.Actor{Kind: audit.ActorUser, ID: u.ID, Name: u.Username}
}

// operatorActor is o as an audit actor.
func operatorActor(o *auth.Operator) audit.Actor {
	return audit.Actor{Kind: audit.ActorOperator, ID: o.ID, Name: o.Username}
}

// auditLogin records the outcome of a login to t (err nil: success).
func auditLogin(ctx context.Context, tx *tenantdb.Tx, t *tenantry.Tenant, login string, u *auth.User, err error) error {
	e := audit.Event{TenantID: t.ID, Action: audit.LoginSucceeded, Target: login,
		Actor: audit.Actor{Kind: audit.ActorAnonymous, Name: login}}
	var te *auth.ThrottledError
	switch {
	case err == nil:
		e.Actor = userActor(u)
	case errors.As(err, &te):
		e.Action = audit.LoginThrottled
	case errors.Is(err, auth.ErrBadCredentials):
		e.Action = audit.LoginFailed
	default:
		return nil // not an outcome: a database error, reported as such
	}
	return audit.Record(ctx, tx, e)
}

// auditRefusedToken records a token refused on t's host that names another
// tenant, noting whether it was genuinely that tenant's.
func (s *server) auditRefusedToken(ctx context.Context, t *tenantry.Tenant, token string) {
	other, genuine, ok := s.cfg.Signer.ForeignTenant(token, t)
	if !ok {
		return
	}
	err := audit.Record(ctx, s.cfg.Pool, audit.Event{TenantID: t.ID, Action: audit.TokenRefused,
		Actor:   audit.Actor{Kind: audit.ActorAnonymous, Name: "token of tenant " + strconv.FormatInt(other, 10)},
		Details: map[string]any{"claimed_tenant": other, "genuine": genuine}})
	if err != nil {
		s.log.WarnContext(ctx, "could not record a refused token", "request_id", RequestID(ctx), "err", err)
	}
}
