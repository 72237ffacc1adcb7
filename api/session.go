package api

import (
	"context"
	"errors"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

// Bearer is embedded in the input of every operation that needs a user.
type Bearer struct {
	Authorization string `header:"Authorization" doc:"Bearer <access token>" maxLength:"4200"`
}

// token returns the bearer token, or "".
func (b Bearer) token() string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(b.Authorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

var errUnauthorized = huma.Error401Unauthorized("authentication required: a valid access token for this tenant")

// asUser runs fn in one transaction bound to the request's tenant, as the
// user the bearer token names, once the token has been checked against the
// tenant (signature, audience, tenant id, expiry), the user found active,
// and its current role (from the database, not the token) allowed perm.
func (s *server) asUser(ctx context.Context, b Bearer, perm auth.Permission, fn func(tx *tenantdb.Tx, u *auth.User) error) error {
	t, err := tenantry.Require(ctx)
	if err != nil {
		return huma.Error404NotFound("no tenant serves this host")
	}
	claims, err := s.cfg.Signer.VerifyForTenant(b.token(), t)
	if err != nil {
		return errUnauthorized
	}
	uid, _ := claims.UserID() // VerifyForTenant checked it
	err = s.cfg.DB.InTenant(ctx, t, func(tx *tenantdb.Tx) error {
		u, err := auth.GetUser(ctx, tx, uid)
		if errors.Is(err, auth.ErrUserNotFound) || (err == nil && !u.IsActive) {
			return errUnauthorized
		}
		if err != nil {
			return err
		}
		noteUser(ctx, u.ID)
		if !s.cfg.Policy.Allows(u.Role, perm) {
			return huma.Error403Forbidden("your role (" + u.Role + ") does not allow this")
		}
		return fn(tx, u)
	})
	return s.problem(ctx, err)
}
