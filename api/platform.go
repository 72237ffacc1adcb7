package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/provision"
)

// The platform API is served on the fallback domains only (the public site
// forwards /api/platform/ here; tenants' hosts answer 404). Operators log in
// with their account in public.operators and manage tenants through the
// same library calls as the CLI's tenant commands: provision.Create and
// Delete, registry.SetStatus, List and Find.

// OperatorToken is what an operator's login returns. There is no refresh
// token: an operator logs in again when the access token expires.
type OperatorToken struct {
	Access          string    `json:"access" doc:"JWT access token, valid for 15 minutes on the platform API only"`
	TokenType       string    `json:"token_type" example:"Bearer"`
	AccessExpiresAt time.Time `json:"access_expires_at"`
}

type operatorTokenOutput struct {
	CacheControl string `header:"Cache-Control" doc:"no-store: tokens must not be cached"`
	Body         OperatorToken
}

// PlatformTenant is a tenant as operators see it; the field names are those
// of "tenantry tenant list --json".
type PlatformTenant struct {
	ID              int64           `json:"id"`
	Slug            string          `json:"slug"`
	Schema          string          `json:"schema"`
	Name            string          `json:"name"`
	Status          tenantry.Status `json:"status" enum:"active,suspended,terminated,deleting" doc:"deleting: a delete began and has not finished; deleting the tenant again finishes it"`
	Locale          string          `json:"locale"`
	Timezone        string          `json:"timezone"`
	DefaultCurrency string          `json:"default_currency"`
	Features        json.RawMessage `json:"features"`
	Plan            string          `json:"plan"`
	Domains         []string        `json:"domains" doc:"verified domains, primary first"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`

	Maintenance bool       `json:"maintenance" doc:"in maintenance: its hosts answer 503 with Retry-After"`
	PurgeAfter  *time.Time `json:"purge_after,omitempty" doc:"terminated tenants: when their data may be purged"`
}

func platformTenant(t *tenantry.Tenant) PlatformTenant {
	pt := PlatformTenant{ID: t.ID, Slug: t.Slug, Schema: t.SchemaName, Name: t.Name, Status: t.Status,
		Locale: t.Locale, Timezone: t.Timezone, DefaultCurrency: t.DefaultCurrency, Features: t.Features,
		Plan: t.Plan, Domains: t.Domains, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		Maintenance: t.Maintenance, PurgeAfter: t.PurgeAfter}
	if pt.Domains == nil {
		pt.Domains = []string{}
	}
	return pt
}

type tenantOutput struct{ Body PlatformTenant }

type tenantListOutput struct {
	Body struct {
		Tenants []PlatformTenant `json:"tenants" doc:"every tenant, ordered by slug"`
		Total   int              `json:"total"`
	}
}

type tenantRefInput struct {
	Bearer
	Ref string `path:"ref" maxLength:"253" doc:"the tenant's slug, schema name, id or one of its domains"`
}

// newTenantAdmin is a new tenant's first user, its owner.
type newTenantAdmin struct {
	Username usernameText `json:"username"`
	Email    emailText    `json:"email"`
	Password passwordText `json:"password" doc:"8 to 256 characters"`
}

type createTenantInput struct {
	Bearer
	Body struct {
		Slug     slugText        `json:"slug" doc:"lower-case [a-z][a-z0-9_]*; the schema is tenant_<slug>"`
		Name     tenantNameText  `json:"name"`
		Domain   domainText      `json:"domain" doc:"primary domain, e.g. acme.example.com"`
		Locale   localeText      `json:"locale,omitempty" doc:"BCP 47 tag; default en"`
		Timezone timezoneText    `json:"timezone,omitempty" doc:"IANA time zone; default UTC"`
		Currency currencyText    `json:"currency,omitempty" doc:"ISO 4217 code; default USD"`
		Plan     planText        `json:"plan,omitempty" doc:"default free"`
		Admin    *newTenantAdmin `json:"admin,omitempty" doc:"the tenant's first user (role owner)"`
	}
}

func (s *server) registerPlatform(api huma.API) {
	if s.cfg.Provisioner == nil || s.cfg.Registry == nil {
		return
	}
	huma.Register(api, huma.Operation{
		OperationID: "platform-login", Method: http.MethodPost, Path: "/api/platform/token", Tags: []string{"platform"},
		Summary: "Log in as a platform operator",
		Description: "After 10 failed attempts for one operator (however the login is spelt) from one client within 15 minutes, " +
			"or 50 for any operators from one client, attempts get 429 with Retry-After.",
		Security: anonymous, Errors: []int{401, 404, 422, 429},
	}, s.platformLogin)
	op := func(id, method, path, summary string, status int, errs ...int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{"platform"},
			DefaultStatus: status, Security: secured, Errors: append([]int{401, 404}, errs...)}
	}
	const tenants, tenant = "/api/platform/tenants", "/api/platform/tenants/{ref}"
	huma.Register(api, op("platform-list-tenants", http.MethodGet, tenants, "List every tenant", 0), s.listTenants)
	huma.Register(api, op("platform-create-tenant", http.MethodPost, tenants,
		"Create a tenant: schema, role, migrations, domain and first user in one transaction", http.StatusCreated, 409, 422), s.createTenant)
	huma.Register(api, op("platform-get-tenant", http.MethodGet, tenant, "One tenant", 0), s.getTenant)
	huma.Register(api, op("platform-suspend-tenant", http.MethodPost, tenant+"/suspend",
		"Suspend a tenant: its hosts answer 503 until it is activated", 0, 409), s.setStatus(tenantry.StatusSuspended))
	huma.Register(api, op("platform-activate-tenant", http.MethodPost, tenant+"/activate", "Activate a tenant", 0, 409),
		s.setStatus(tenantry.StatusActive))
	del := op("platform-delete-tenant", http.MethodDelete, tenant,
		"Delete a tenant with all its data: schema, role, domains, registry row", http.StatusNoContent)
	del.Description = "The tenant's status becomes deleting at once (its hosts answer 404), then its schema is " +
		"dropped in steps. A delete that stops part way leaves the tenant deleting: delete it again to finish."
	huma.Register(api, del, s.deleteTenant)
	s.registerLifecycle(api)
	s.registerPlans(api)
	s.registerTop(api)
}

const notOperator = "authentication required: a valid platform operator's access token"

// platformOnly refuses requests resolved to a tenant: the platform API is
// not part of any tenant's API, whatever routes the request here.
func platformOnly(ctx context.Context) error {
	if _, ok := tenantry.FromContext(ctx); ok {
		return huma.Error404NotFound("the platform API is served on the base domain only")
	}
	return nil
}

// asOperator returns the operator the bearer token names, once the token
// has been checked (signature, platform audience, expiry) and the operator
// found active; else a 401.
func (s *server) asOperator(ctx context.Context, b Bearer) (*auth.Operator, error) {
	if err := platformOnly(ctx); err != nil {
		return nil, err
	}
	claims, err := s.cfg.Signer.VerifyForOperator(b.token())
	if err != nil {
		return nil, b.refused(notOperator)
	}
	id, _ := claims.UserID() // VerifyForOperator checked it
	o, err := auth.GetOperator(ctx, s.cfg.Pool, id)
	if errors.Is(err, auth.ErrOperatorNotFound) || (err == nil && !o.IsActive) {
		return nil, b.refused(notOperator)
	}
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return o, nil
}

func (s *server) platformLogin(ctx context.Context, in *loginInput) (*operatorTokenOutput, error) {
	if err := platformOnly(ctx); err != nil {
		return nil, err
	}
	login := cmp.Or(in.Body.Username, in.Body.Email)
	if login == "" {
		return nil, huma.Error422UnprocessableEntity("username or email is required")
	}
	o, err := auth.AuthenticateOperator(ctx, s.cfg.Pool, login, in.Body.Password, clientIP(ctx))
	if err != nil {
		if errors.Is(err, auth.ErrBadCredentials) {
			if aerr := audit.Record(ctx, s.cfg.Pool, audit.Event{Action: audit.OperatorLoginFails, Target: login,
				Actor: audit.Actor{Kind: audit.ActorAnonymous, Name: login}}); aerr != nil {
				return nil, s.problem(ctx, aerr)
			}
		}
		return nil, s.problem(ctx, err)
	}
	if err := audit.Record(ctx, s.cfg.Pool, audit.Event{Action: audit.OperatorLoggedIn, Target: o.Username,
		Actor: operatorActor(o)}); err != nil {
		return nil, s.problem(ctx, err)
	}
	access, exp, err := s.cfg.Signer.IssueForOperator(o.ID, o.Username)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &operatorTokenOutput{CacheControl: noStore, Body: OperatorToken{Access: access, TokenType: "Bearer", AccessExpiresAt: exp}}, nil
}

func (s *server) listTenants(ctx context.Context, in *struct{ Bearer }) (*tenantListOutput, error) {
	if _, err := s.asOperator(ctx, in.Bearer); err != nil {
		return nil, err
	}
	ts, err := s.cfg.Registry.List(ctx)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &tenantListOutput{}
	out.Body.Tenants = make([]PlatformTenant, len(ts))
	for i, t := range ts {
		out.Body.Tenants[i] = platformTenant(t)
	}
	out.Body.Total = len(ts)
	return out, nil
}

func (s *server) getTenant(ctx context.Context, in *tenantRefInput) (*tenantOutput, error) {
	if _, err := s.asOperator(ctx, in.Bearer); err != nil {
		return nil, err
	}
	t, err := s.cfg.Registry.Find(ctx, in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &tenantOutput{Body: platformTenant(t)}, nil
}

// createTenant takes the CLI's path: the admin's password checked against
// the rules, then provision.Create.
func (s *server) createTenant(ctx context.Context, in *createTenantInput) (*tenantOutput, error) {
	o, err := s.asOperator(ctx, in.Bearer)
	if err != nil {
		return nil, err
	}
	b := in.Body
	req := provision.Request{Slug: string(b.Slug), Name: string(b.Name), Domain: string(b.Domain), Locale: string(b.Locale),
		Timezone: string(b.Timezone), Currency: string(b.Currency), Plan: string(b.Plan)}
	if a := b.Admin; a != nil {
		if err := auth.ValidatePassword(string(a.Password)); err != nil {
			return nil, s.createProblem(ctx, err)
		}
		req.Admin = &provision.Admin{Username: string(a.Username), Email: string(a.Email), Password: string(a.Password)}
	}
	t, err := s.cfg.Provisioner.Create(audit.WithActor(ctx, operatorActor(o)), req)
	if err != nil {
		return nil, s.createProblem(ctx, err)
	}
	s.cfg.Registry.Invalidate(t.ID) // forget "no tenant" answers for its domain
	s.logPlatformOp(ctx, o, "create", t)
	return &tenantOutput{Body: platformTenant(t)}, nil
}

func (s *server) setStatus(st tenantry.Status) func(context.Context, *tenantRefInput) (*tenantOutput, error) {
	return func(ctx context.Context, in *tenantRefInput) (*tenantOutput, error) {
		o, err := s.asOperator(ctx, in.Bearer)
		if err != nil {
			return nil, err
		}
		t, err := s.cfg.Registry.SetStatus(audit.WithActor(ctx, operatorActor(o)), in.Ref, st)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		s.logPlatformOp(ctx, o, "set status "+string(st), t)
		return &tenantOutput{Body: platformTenant(t)}, nil
	}
}

func (s *server) deleteTenant(ctx context.Context, in *tenantRefInput) (*emptyOutput, error) {
	o, err := s.asOperator(ctx, in.Bearer)
	if err != nil {
		return nil, err
	}
	t, err := s.cfg.Provisioner.Delete(audit.WithActor(ctx, operatorActor(o)), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	s.cfg.Registry.Invalidate(t.ID) // stop serving its hosts now, not when the notification arrives
	s.logPlatformOp(ctx, o, "delete", t)
	return &emptyOutput{}, nil
}

// logPlatformOp logs what an operator did to a tenant (the audit log has it
// too, recorded in the change's own transaction).
func (s *server) logPlatformOp(ctx context.Context, o *auth.Operator, action string, t *tenantry.Tenant) {
	s.log.InfoContext(ctx, "platform operation", "request_id", RequestID(ctx), "operator", o.Username,
		"action", action, "tenant", t.Slug, "schema", t.SchemaName)
}

// createProblem is problem with the invalid field located in the request
// body, so a client can tell which input to fix.
func (s *server) createProblem(ctx context.Context, err error) error {
	var ve *tenantry.ValidationError
	if !errors.As(err, &ve) {
		return s.problem(ctx, err)
	}
	if ve.Field == "slug" && strings.Contains(ve.Reason, "reserved") {
		// The schema declared the slug's form: what is left is a name
		// that PostgreSQL or the platform holds, taken like any other.
		return huma.Error409Conflict(ve.Error(), &huma.ErrorDetail{Message: ve.Reason, Location: "body.slug", Value: ve.Value})
	}
	loc := "body." + ve.Field
	switch ve.Field {
	case "username", "email", "password", "admin password":
		loc = "body.admin." + strings.TrimPrefix(ve.Field, "admin ")
	}
	return huma.Error422UnprocessableEntity(ve.Error(), &huma.ErrorDetail{Message: ve.Reason, Location: loc, Value: ve.Value})
}
