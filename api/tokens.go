package api

import (
	"cmp"
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

type loginInput struct {
	Body struct {
		Username string `json:"username,omitempty" maxLength:"254" doc:"username or email"`
		Email    string `json:"email,omitempty" maxLength:"254" doc:"email, when username is not given"`
		Password string `json:"password" minLength:"1" maxLength:"1024"`
	}
}

// TokenPair is what logging in and refreshing return.
type TokenPair struct {
	Access          string    `json:"access" doc:"JWT access token, valid for 15 minutes on this tenant's host only"`
	Refresh         string    `json:"refresh" doc:"refresh token: exchange it once at /api/token/refresh/"`
	TokenType       string    `json:"token_type" example:"Bearer"`
	AccessExpiresAt time.Time `json:"access_expires_at"`
}

type tokenOutput struct {
	CacheControl string `header:"Cache-Control" doc:"no-store: tokens must not be cached"`
	Body         TokenPair
}

// noStore is the Cache-Control of every answer that carries a token.
const noStore = "no-store"

type refreshInput struct {
	Body struct {
		Refresh string `json:"refresh" minLength:"1" maxLength:"128"`
	}
}

type emptyOutput struct{}

func (s *server) registerTokens(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "login", Method: http.MethodPost, Path: "/api/token", Tags: []string{"auth"},
		Summary: "Log in with username (or email) and password",
		Description: "After 10 failed attempts for one account (however its login is spelt) from one client within 15 minutes, " +
			"or 50 for any accounts from one client, attempts get 429 with Retry-After.",
		Security: anonymous, Errors: []int{401, 404, 422, 429},
	}, s.login)
	huma.Register(api, huma.Operation{
		OperationID: "refresh", Method: http.MethodPost, Path: "/api/token/refresh", Tags: []string{"auth"},
		Summary:     "Exchange a refresh token for a new pair",
		Description: "A refresh token works once. Presenting a used one again revokes every token of that login.",
		Security:    anonymous, Errors: []int{401, 404, 422},
	}, s.refresh)
	huma.Register(api, huma.Operation{
		OperationID: "revoke", Method: http.MethodPost, Path: "/api/token/revoke", Tags: []string{"auth"},
		Summary: "Log out: revoke a refresh token and every token of its login", DefaultStatus: http.StatusNoContent,
		Security: anonymous, Errors: []int{404, 422},
	}, s.revoke)
}

func (s *server) login(ctx context.Context, in *loginInput) (*tokenOutput, error) {
	login := cmp.Or(in.Body.Username, in.Body.Email)
	if login == "" {
		return nil, huma.Error422UnprocessableEntity("username or email is required")
	}
	var out *tokenOutput
	err := s.inTenant(ctx, func(t *tenantry.Tenant, tx *tenantdb.Tx) error {
		u, err := auth.Authenticate(ctx, tx, login, in.Body.Password, clientIP(ctx))
		if aerr := auditLogin(ctx, tx, t, login, u, err); aerr != nil {
			return aerr
		}
		if err != nil {
			return commitAnyway(err)
		}
		out, err = s.issuePair(ctx, tx, t, u)
		return err
	})
	return out, s.problem(ctx, err)
}

func (s *server) refresh(ctx context.Context, in *refreshInput) (*tokenOutput, error) {
	var out *tokenOutput
	err := s.inTenant(ctx, func(t *tenantry.Tenant, tx *tenantdb.Tx) error {
		next, uid, err := auth.Rotate(ctx, tx, in.Body.Refresh)
		if errors.Is(err, auth.ErrRefreshReused) {
			if aerr := audit.Record(ctx, tx, audit.Event{TenantID: t.ID, Action: audit.RefreshReused,
				Actor: audit.Actor{Kind: audit.ActorAnonymous, Name: "refresh token"}}); aerr != nil {
				return aerr
			}
		}
		if err != nil {
			return commitAnyway(err) // a reuse's revocation must hold
		}
		u, err := auth.GetUser(ctx, tx, uid)
		if errors.Is(err, auth.ErrUserNotFound) || (err == nil && !u.IsActive) {
			return auth.ErrInvalidToken
		}
		if err != nil {
			return err
		}
		access, exp, err := s.cfg.Signer.IssueForTenant(t, u)
		out = &tokenOutput{CacheControl: noStore, Body: TokenPair{Access: access, Refresh: next, TokenType: "Bearer", AccessExpiresAt: exp}}
		return err
	})
	return out, s.problem(ctx, err)
}

func (s *server) revoke(ctx context.Context, in *refreshInput) (*emptyOutput, error) {
	err := s.inTenant(ctx, func(_ *tenantry.Tenant, tx *tenantdb.Tx) error {
		return auth.Revoke(ctx, tx, in.Body.Refresh)
	})
	return &emptyOutput{}, s.problem(ctx, err)
}

func (s *server) issuePair(ctx context.Context, tx *tenantdb.Tx, t *tenantry.Tenant, u *auth.User) (*tokenOutput, error) {
	access, exp, err := s.cfg.Signer.IssueForTenant(t, u)
	if err != nil {
		return nil, err
	}
	refresh, err := auth.NewRefresh(ctx, tx, u.ID)
	if err != nil {
		return nil, err
	}
	noteUser(ctx, u.ID)
	return &tokenOutput{CacheControl: noStore, Body: TokenPair{Access: access, Refresh: refresh, TokenType: "Bearer", AccessExpiresAt: exp}}, nil
}

// inTenant runs fn in a transaction bound to the request's tenant.
func (s *server) inTenant(ctx context.Context, fn func(t *tenantry.Tenant, tx *tenantdb.Tx) error) error {
	t, err := tenantry.Require(ctx)
	if err != nil {
		return huma.Error404NotFound("no tenant serves this host")
	}
	var committed *committedError
	err = s.cfg.DB.InTenant(ctx, t, func(tx *tenantdb.Tx) error {
		err := fn(t, tx)
		if errors.As(err, &committed) {
			return nil // commit what fn did, then report its error
		}
		return err
	})
	if err == nil && committed != nil {
		return committed.err
	}
	return err
}

// committedError carries an error out of a transaction that must commit
// nonetheless: a failed login's record, a reused token's revocation.
type committedError struct{ err error }

func (e *committedError) Error() string { return e.err.Error() }
func (e *committedError) Unwrap() error { return e.err }

func commitAnyway(err error) error { return &committedError{err} }

// throttled is the 429 answer to a throttled login.
func throttled(te *auth.ThrottledError) error { return tooMany(te.Error(), te.RetryAfter) }

// tooMany is a 429 answer, with Retry-After in whole seconds.
func tooMany(msg string, retryAfter time.Duration) error {
	secs := strconv.Itoa(int(math.Ceil(retryAfter.Seconds())))
	return huma.ErrorWithHeaders(huma.NewError(http.StatusTooManyRequests, msg), http.Header{"Retry-After": {secs}})
}
