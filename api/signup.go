package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/signup"
	"github.com/tenantry/tenantry/tenantdb"
)

type signupInput struct {
	Body struct {
		Email    emailText    `json:"email" doc:"a work address: its domain decides whether you create a tenant or ask to join one"`
		Password passwordText `json:"password" doc:"8 to 256 characters, not your email address, its name part or the company name (422)"`
		Company  companyText  `json:"company" doc:"your organisation's name, 1 to 200 characters; the tenant's address is made from it"`
	}
}

// SignupPending is the answer to a signup: a link is on its way.
type SignupPending struct {
	Status    string    `json:"status" example:"pending"`
	Email     string    `json:"email"`
	ExpiresAt time.Time `json:"expires_at" doc:"when the emailed link stops working"`
	Message   string    `json:"message"`
}

type signupOutput struct{ Body SignupPending }

type verifyInput struct {
	Body struct {
		Token string `json:"token" minLength:"1" maxLength:"200" doc:"the token from the emailed link"`
	}
}

// SignupTenant names the tenant a verified signup created, joined or asked
// to join.
type SignupTenant struct {
	Slug   string `json:"slug"`
	Name   string `json:"name"`
	Domain string `json:"domain"`
}

// SignupResult is what following the emailed link did.
type SignupResult struct {
	Outcome       string       `json:"outcome" enum:"created,joined,requested" doc:"created: a new tenant with you as owner; joined: you are a member of your organisation's tenant; requested: its admins decide on your request"`
	Tenant        SignupTenant `json:"tenant"`
	URL           string       `json:"url" doc:"the tenant's address"`
	JoinRequestID int64        `json:"join_request_id,omitempty"`
	Tokens        *TokenPair   `json:"tokens,omitempty" doc:"tokens for the tenant's API, on the first verification only and unless outcome is requested"`
	Repeated      bool         `json:"repeated,omitempty" doc:"the link had been followed already: log in at url"`
}

type verifyOutput struct {
	Status       int    `json:"-"`
	CacheControl string `header:"Cache-Control" doc:"no-store: the answer may carry tokens"`
	Body         SignupResult
}

func (s *server) registerSignup(api huma.API) {
	if s.cfg.Signup == nil {
		return
	}
	huma.Register(api, huma.Operation{
		OperationID: "signup", Method: http.MethodPost, Path: "/api/signup", Tags: []string{"signup"},
		Summary: "Sign up with a work email: a verification link is emailed", DefaultStatus: http.StatusAccepted,
		Description: "Served on the base domain. Signing up again with the same address replaces the pending signup; its earlier link stops working. " +
			"Each signup that sends a link counts against limits per address, per client and for the whole platform (by default 3, 10 and 200 an hour); " +
			"past one, 429 with Retry-After and no email. The password must not be the email address, its name part or the company name (422).",
		Security: anonymous, Errors: []int{404, 409, 422, 429},
	}, s.signup)
	huma.Register(api, huma.Operation{
		OperationID: "signup-verify", Method: http.MethodPost, Path: "/api/signup/verify", Tags: []string{"signup"},
		Summary: "Follow the emailed link: create the tenant, join it, or ask to join it",
		Description: "Served on the base domain. 200 with tokens when a tenant was created or joined, 202 for a join request. " +
			"The same link followed again within 10 minutes gives the same outcome and the tenant's address to log in at, " +
			"never tokens (repeated is true); later, 410.",
		Security: anonymous, Errors: []int{400, 404, 409, 410, 422},
	}, s.verifySignup)
}

// publicOnly refuses requests resolved to a tenant: signup belongs to the
// base domain.
func publicOnly(ctx context.Context) error {
	if _, ok := tenantry.FromContext(ctx); ok {
		return huma.Error404NotFound("signup is served on the base domain only")
	}
	return nil
}

func (s *server) signup(ctx context.Context, in *signupInput) (*signupOutput, error) {
	if err := publicOnly(ctx); err != nil {
		return nil, err
	}
	b := in.Body
	p, err := s.cfg.Signup.Start(ctx, signup.Request{Email: string(b.Email), Password: string(b.Password),
		Company: string(b.Company), Client: clientIP(ctx)})
	if err != nil {
		return nil, s.signupProblem(ctx, err)
	}
	return &signupOutput{Body: SignupPending{Status: "pending", Email: p.Email, ExpiresAt: p.ExpiresAt,
		Message: "We sent a link to " + p.Email + ". Follow it to finish."}}, nil
}

func (s *server) verifySignup(ctx context.Context, in *verifyInput) (*verifyOutput, error) {
	if err := publicOnly(ctx); err != nil {
		return nil, err
	}
	res, err := s.cfg.Signup.Verify(ctx, in.Body.Token)
	if err != nil {
		return nil, s.signupProblem(ctx, err)
	}
	out := &verifyOutput{Status: http.StatusOK, CacheControl: noStore, Body: SignupResult{
		Outcome: res.Outcome, URL: res.URL, JoinRequestID: res.JoinRequestID, Repeated: res.Repeated,
		Tenant: SignupTenant{Slug: res.Tenant.Slug, Name: res.Tenant.Name, Domain: res.Tenant.PrimaryDomain()},
	}}
	if res.Outcome == signup.Requested {
		out.Status = http.StatusAccepted
		return out, nil
	}
	if res.Repeated {
		// A repeat click proves nothing new: the link may have leaked
		// since, and the owner may have changed the password. It gets
		// where to log in, never a session.
		return out, nil
	}
	err = s.cfg.DB.InTenant(ctx, res.Tenant, func(tx *tenantdb.Tx) error {
		u, err := auth.GetUser(ctx, tx, res.UserID)
		if err != nil {
			return err
		}
		pair, err := s.issuePair(ctx, tx, res.Tenant, u)
		if err == nil {
			out.Body.Tokens = &pair.Body
		}
		return err
	})
	return out, s.problem(ctx, err)
}

// signupProblem maps signup's errors to statuses; the rest go to problem.
func (s *server) signupProblem(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, signup.ErrInvalidToken):
		return huma.Error400BadRequest(err.Error())
	case errors.Is(err, signup.ErrTokenExpired), errors.Is(err, signup.ErrTokenUsed):
		return huma.NewError(http.StatusGone, err.Error())
	case errors.Is(err, signup.ErrEmailRegistered), errors.Is(err, signup.ErrTenantInactive):
		return huma.Error409Conflict(err.Error())
	}
	var te *signup.ThrottledError
	if errors.As(err, &te) {
		return tooMany(te.Error(), te.RetryAfter)
	}
	return s.problem(ctx, err)
}
