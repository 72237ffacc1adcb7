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
	"github.com/tenantry/tenantry/domains"
	"github.com/tenantry/tenantry/tenantdb"
)

// Domains: a tenant's owners and admins see its domains and start their
// verification (/api/domains/); operators add, verify, make primary and
// remove them (/api/platform/tenants/{ref}/domains/), through the same
// domains.Service as the CLI. Served only with Config.Domains.

type domainListOutput struct {
	Body struct {
		Domains []*domains.Domain `json:"domains" doc:"the primary first, then verified, then pending"`
	}
}

type domainOutput struct{ Body *domains.Domain }

type domainNameInput struct {
	Bearer
	Domain string `path:"domain" minLength:"1" maxLength:"300" doc:"the domain, ASCII (punycode) or international"`
}

// The platform inputs repeat tenantRefInput's fields: huma reads the
// parameters of embedded structs one level deep only.
type platformDomainInput struct {
	Bearer
	Ref    string `path:"ref" maxLength:"253" doc:"the tenant's slug, schema name, id or one of its domains"`
	Domain string `path:"domain" minLength:"1" maxLength:"300" doc:"the domain, ASCII (punycode) or international"`
}

type addDomainInput struct {
	Bearer
	Ref  string `path:"ref" maxLength:"253" doc:"the tenant's slug, schema name, id or one of its domains"`
	Body struct {
		Domain  string `json:"domain" minLength:"1" maxLength:"300" doc:"a subdomain of the base domain (verified at once) or any other domain (pending until verified)"`
		Primary bool   `json:"primary,omitempty" doc:"make it the primary domain: at once, or once verified"`
	}
}

func (s *server) registerDomains(api huma.API) {
	if s.cfg.Domains == nil {
		return
	}
	perm := "Needs " + string(auth.DomainsManage) + " (owners and admins)."
	huma.Register(api, huma.Operation{
		OperationID: "list-domains", Method: http.MethodGet, Path: "/api/domains", Tags: []string{"domains"},
		Summary: "The tenant's domains, with the token that proves control of a pending one", Description: perm,
		Security: secured, Errors: []int{401, 403, 404},
	}, s.listOwnDomains)
	huma.Register(api, huma.Operation{
		OperationID: "verify-domain", Method: http.MethodPost, Path: "/api/domains/{domain}/verify", Tags: []string{"domains"},
		Summary:       "Check a pending domain again, soon, in the background",
		Description:   "The answer is the domain as it is now; list the domains later to see the outcome. " + perm,
		DefaultStatus: http.StatusAccepted, Security: secured, Errors: []int{401, 403, 404},
	}, s.verifyOwnDomain)
	if s.cfg.Registry != nil && s.serves(PartPlatform) {
		s.registerPlatformDomains(api)
	}
}

// asDomainAdmin checks the bearer's user may manage the tenant's domains,
// and returns the tenant. The tenant transaction ends before the domains
// are read: they live in public.domains.
func (s *server) asDomainAdmin(ctx context.Context, b Bearer) (*tenantry.Tenant, error) {
	var t *tenantry.Tenant
	err := s.asUser(ctx, b, auth.DomainsManage, func(tx *tenantdb.Tx, _ *auth.User) error {
		t = tx.Tenant
		return nil
	})
	return t, err
}

func (s *server) listOwnDomains(ctx context.Context, in *struct{ Bearer }) (*domainListOutput, error) {
	t, err := s.asDomainAdmin(ctx, in.Bearer)
	if err != nil {
		return nil, err
	}
	list, err := s.cfg.Domains.ListOf(ctx, t.ID)
	if err != nil {
		return nil, s.domainProblem(ctx, err)
	}
	out := &domainListOutput{}
	out.Body.Domains = append([]*domains.Domain{}, list...)
	return out, nil
}

func (s *server) verifyOwnDomain(ctx context.Context, in *domainNameInput) (*domainOutput, error) {
	t, err := s.asDomainAdmin(ctx, in.Bearer)
	if err != nil {
		return nil, err
	}
	d, err := s.cfg.Domains.StartVerify(ctx, strconv.FormatInt(t.ID, 10), in.Domain)
	if err != nil {
		return nil, s.domainProblem(ctx, err)
	}
	return &domainOutput{Body: d}, nil
}

// domainProblem maps the domains package's errors, then the rest as
// problem does.
func (s *server) domainProblem(ctx context.Context, err error) error {
	var ve *tenantry.ValidationError
	switch {
	case errors.As(err, &ve):
		return huma.Error422UnprocessableEntity(ve.Error(), &huma.ErrorDetail{Message: ve.Reason, Location: "domain", Value: ve.Value})
	case errors.Is(err, domains.ErrNotFound):
		return huma.Error404NotFound(err.Error())
	case errors.Is(err, domains.ErrNotVerified), errors.Is(err, domains.ErrPrimary):
		return huma.Error409Conflict(err.Error())
	}
	return s.problem(ctx, err)
}

func (s *server) registerPlatformDomains(api huma.API) {
	op := func(id, method, path, summary string, status int, errs ...int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{"platform"},
			DefaultStatus: status, Security: secured, Errors: append([]int{401, 404}, errs...)}
	}
	const list, one = "/api/platform/tenants/{ref}/domains", "/api/platform/tenants/{ref}/domains/{domain}"
	huma.Register(api, op("platform-list-domains", http.MethodGet, list, "A tenant's domains", 0), s.platformListDomains)
	huma.Register(api, op("platform-add-domain", http.MethodPost, list,
		"Give a tenant a domain: a subdomain of the base domain is verified at once, any other is pending",
		http.StatusCreated, 409, 422), s.platformAddDomain)
	huma.Register(api, op("platform-verify-domain", http.MethodPost, one+"/verify",
		"Check a pending domain now: the answer's status and last_error tell the outcome", 0, 422), s.platformVerifyDomain)
	huma.Register(api, op("platform-primary-domain", http.MethodPost, one+"/primary",
		"Make a verified domain the tenant's primary one", 0, 409, 422), s.platformPrimaryDomain)
	huma.Register(api, op("platform-remove-domain", http.MethodDelete, one,
		"Take a domain from a tenant; the primary one cannot be removed", http.StatusNoContent, 409, 422), s.platformRemoveDomain)
}

func (s *server) platformListDomains(ctx context.Context, in *tenantRefInput) (*domainListOutput, error) {
	if _, err := s.asOperator(ctx, in.Bearer); err != nil {
		return nil, err
	}
	list, err := s.cfg.Domains.List(ctx, in.Ref)
	if err != nil {
		return nil, s.domainProblem(ctx, err)
	}
	out := &domainListOutput{}
	out.Body.Domains = append([]*domains.Domain{}, list...)
	return out, nil
}

func (s *server) platformAddDomain(ctx context.Context, in *addDomainInput) (*domainOutput, error) {
	o, err := s.asOperator(ctx, in.Bearer)
	if err != nil {
		return nil, err
	}
	d, err := s.cfg.Domains.Add(audit.WithActor(ctx, operatorActor(o)), in.Ref, in.Body.Domain,
		&domains.AddOptions{Primary: in.Body.Primary})
	if err != nil {
		return nil, s.domainProblem(ctx, err)
	}
	return &domainOutput{Body: d}, nil
}

func (s *server) platformVerifyDomain(ctx context.Context, in *platformDomainInput) (*domainOutput, error) {
	o, err := s.asOperator(ctx, in.Bearer)
	if err != nil {
		return nil, err
	}
	d, err := s.cfg.Domains.Verify(audit.WithActor(ctx, operatorActor(o)), in.Ref, in.Domain)
	if _, failed := errors.AsType[*domains.CheckError](err); failed {
		return &domainOutput{Body: d}, nil // pending, with last_error saying why
	}
	if err != nil {
		return nil, s.domainProblem(ctx, err)
	}
	return &domainOutput{Body: d}, nil
}

func (s *server) platformPrimaryDomain(ctx context.Context, in *platformDomainInput) (*domainOutput, error) {
	o, err := s.asOperator(ctx, in.Bearer)
	if err != nil {
		return nil, err
	}
	d, err := s.cfg.Domains.SetPrimary(audit.WithActor(ctx, operatorActor(o)), in.Ref, in.Domain)
	if err != nil {
		return nil, s.domainProblem(ctx, err)
	}
	return &domainOutput{Body: d}, nil
}

func (s *server) platformRemoveDomain(ctx context.Context, in *platformDomainInput) (*emptyOutput, error) {
	o, err := s.asOperator(ctx, in.Bearer)
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Domains.Remove(audit.WithActor(ctx, operatorActor(o)), in.Ref, in.Domain); err != nil {
		return nil, s.domainProblem(ctx, err)
	}
	return &emptyOutput{}, nil
}

// withDomains mounts Caddy's TLS ask on root and serves pending domains'
// verification files before next, when Config.Domains is set.
func (s *server) withDomains(root *http.ServeMux, next http.Handler) http.Handler {
	if s.cfg.Domains == nil {
		return next
	}
	root.Handle("GET "+domains.TLSAskPath, s.cfg.Domains.TLSAskHandler(s.cfg.Resolver))
	return s.cfg.Domains.FileHandler(next)
}
