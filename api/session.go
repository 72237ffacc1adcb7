package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

// Bearer is embedded in the input of every operation that needs a user.
// The header has no declared maximum length: huma would refuse a longer one
// with a 422 that quotes it back. One over maxAuthorizationBytes is refused
// as an invalid token (401), unread and unquoted.
type Bearer struct {
	Authorization string `header:"Authorization" doc:"Bearer <access token>; one over 4200 bytes is an invalid token"`
}

// maxAuthorizationBytes bounds the Authorization header read: an access
// token is a few hundred bytes.
const maxAuthorizationBytes = 4200

// token returns the bearer token, or "" for none or an over-long header.
func (b Bearer) token() string {
	if len(b.Authorization) > maxAuthorizationBytes {
		return ""
	}
	scheme, tok, ok := strings.Cut(strings.TrimSpace(b.Authorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// refused is the 401 for b: a request without a bearer token gets the
// bare challenge, one with a token that does not do (or a header too long
// to read) gets error="invalid_token" (RFC 6750 3.1). msg is the problem's
// detail.
func (b Bearer) refused(msg string) error {
	if b.token() == "" && len(b.Authorization) <= maxAuthorizationBytes {
		return unauthorized(msg)
	}
	return huma.ErrorWithHeaders(huma.Error401Unauthorized(msg),
		http.Header{"Www-Authenticate": {`Bearer realm="tenantry", error="invalid_token"`}})
}

const notAuthenticated = "authentication required: a valid access token for this tenant"

// asUser runs fn in one transaction bound to the request's tenant, as the
// user the bearer token names, once the token has been checked against the
// tenant (signature, audience, tenant id, expiry), the user found active,
// and its current role (from the database, not the token) allowed perm.
func (s *server) asUser(ctx context.Context, b Bearer, perm auth.Permission, fn func(tx *tenantdb.Tx, u *auth.User) error) error {
	t, claims, err := s.bearer(ctx, b)
	if err != nil {
		return err
	}
	err = s.cfg.DB.InTenant(ctx, t, func(tx *tenantdb.Tx) error {
		u, err := auth.GetUser(ctx, tx, claims.uid)
		if err := s.admit(ctx, b, claims, u, err, perm); err != nil {
			return err
		}
		return fn(tx, u)
	})
	return s.problem(ctx, err)
}

// asReader is asUser for reads whose queries do not depend on each other:
// queue adds them to a batch that runs with the user's lookup in one round
// trip (tenantdb.DB.Pipeline). Their results, read by the batch's callbacks,
// are used only once the user has passed the same checks as asUser's.
func (s *server) asReader(ctx context.Context, b Bearer, perm auth.Permission, queue func(batch *pgx.Batch)) error {
	t, claims, err := s.bearer(ctx, b)
	if err != nil {
		return err
	}
	var u *auth.User
	var uerr error
	batch := &pgx.Batch{}
	auth.QueueGetUser(batch, claims.uid, func(got *auth.User, err error) { u, uerr = got, err })
	queue(batch)
	err = s.cfg.DB.Pipeline(ctx, t, batch)
	if u != nil || errors.Is(uerr, auth.ErrUserNotFound) { // the lookup was answered: it decides first
		if aerr := s.admit(ctx, b, claims, u, uerr, perm); aerr != nil {
			return s.problem(ctx, aerr)
		}
	}
	return s.problem(ctx, err)
}

// token is what a checked access token says.
type token struct {
	uid    int64
	issued time.Time
}

// bearer checks the request's token against its tenant and returns the
// tenant and what the token says.
func (s *server) bearer(ctx context.Context, b Bearer) (*tenantry.Tenant, token, error) {
	t, err := tenantry.Require(ctx)
	if err != nil {
		return nil, token{}, huma.Error404NotFound("no tenant serves this host")
	}
	claims, err := s.cfg.Signer.VerifyForTenant(b.token(), t)
	if err != nil {
		s.auditRefusedToken(ctx, t, b.token())
		return nil, token{}, b.refused(notAuthenticated)
	}
	uid, _ := claims.UserID() // VerifyForTenant checked it
	return t, token{uid: uid, issued: claims.IssuedAt.Time}, nil
}

// admit decides on the user b's token names, as loaded (u, err): missing,
// inactive, or with a password changed since the token was issued is 401; a
// role without perm is 403.
func (s *server) admit(ctx context.Context, b Bearer, tok token, u *auth.User, err error, perm auth.Permission) error {
	if errors.Is(err, auth.ErrUserNotFound) || (err == nil && (!u.IsActive || u.IssuedBeforePasswordChange(tok.issued))) {
		return b.refused(notAuthenticated)
	}
	if err != nil {
		return err
	}
	noteUser(ctx, u.ID)
	if !s.cfg.Policy.Allows(u.Role, perm) {
		return huma.Error403Forbidden("your role (" + u.Role + ") does not allow this")
	}
	return nil
}
