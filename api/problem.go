package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/tenanthttp"
)

// problem is the API's one error boundary: it turns the library's errors
// into problem responses with a status and a message for the user, and logs
// everything unexpected, which the user sees only as "internal error". A
// database that is down or restarting (pgerr.Unavailable) is 503 with
// Retry-After, never 500.
func (s *server) problem(ctx context.Context, err error) error {
	var se huma.StatusError
	var ve *tenantry.ValidationError
	var te *auth.ThrottledError
	var qe *limits.QuotaError
	var be *limits.BusyError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return err
	case errors.As(err, &ve):
		return huma.Error422UnprocessableEntity(ve.Error())
	case errors.As(err, &te):
		return throttled(te)
	case errors.As(err, &qe):
		return huma.Error403Forbidden(qe.Error())
	case errors.As(err, &be):
		return tooMany(be.Error(), be.RetryAfter)
	case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrInvalidToken), errors.Is(err, auth.ErrRefreshReused):
		return unauthorized(err.Error())
	case errors.Is(err, auth.ErrForbidden):
		return huma.Error403Forbidden(err.Error())
	case errors.Is(err, auth.ErrUserNotFound), errors.Is(err, tenantry.ErrTenantNotFound), errors.Is(err, errNotFound),
		errors.Is(err, limits.ErrPlanNotFound):
		return huma.Error404NotFound(err.Error())
	case errors.Is(err, auth.ErrUserExists), errors.Is(err, auth.ErrLastOwner),
		errors.Is(err, tenantry.ErrTenantExists), errors.Is(err, tenantry.ErrDomainTaken),
		errors.Is(err, tenantry.ErrTenantDeleting), errors.Is(err, limits.ErrPlanInUse), errors.Is(err, limits.ErrDefaultPlan):
		return huma.Error409Conflict(err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return huma.NewError(499, "request cancelled")
	case pgerr.Code(err) == pgerr.QueryCanceled && ctx.Err() == nil:
		// Cancelled by the server, not by the client: the plan's
		// statement_timeout (or the server's own).
		return huma.Error503ServiceUnavailable("a database statement ran longer than this tenant's plan allows (statement_timeout) and was cancelled")
	case pgerr.Unavailable(err):
		// The outage is logged once by the pool's breaker, not per request.
		s.log.DebugContext(ctx, "database unavailable", "request_id", RequestID(ctx), "err", err)
		return databaseUnavailable()
	case strings.HasPrefix(pgerr.Code(err), "22"):
		// A data exception: a value the database cannot take (a NUL, bad
		// UTF-8, a number out of range) that validation let through.
		return huma.Error422UnprocessableEntity("a value holds characters or a size the database cannot store (NUL, invalid UTF-8, out of range)")
	}
	s.log.ErrorContext(ctx, "internal error", "request_id", RequestID(ctx), "err", err)
	return huma.Error500InternalServerError("internal error")
}

// databaseUnavailable is the 503 of a request that failed because the
// database is down or restarting.
func databaseUnavailable() error {
	return huma.ErrorWithHeaders(huma.Error503ServiceUnavailable(tenanthttp.DatabaseUnavailable),
		http.Header{"Retry-After": {strconv.Itoa(int(tenanthttp.DatabaseRetryAfter / time.Second))}})
}

// errNotFound is returned by handlers for an id that names nothing in this
// tenant.
var errNotFound = errors.New("not found")

// unauthorized is a 401 with the challenge HTTP requires of every 401
// (RFC 9110 15.5.2), naming the bearer scheme (RFC 6750).
func unauthorized(msg string) error {
	return huma.ErrorWithHeaders(huma.Error401Unauthorized(msg),
		http.Header{"Www-Authenticate": {`Bearer realm="tenantry"`}})
}

// huma answers 500 "cannot read request body" when the client's body ends
// early (a dropped connection, a truncated upload): that is the client's
// doing, so it becomes 400. huma.NewError is huma's one hook for this, a
// package variable: the reference server owns its process.
func init() {
	newError := huma.NewError
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		if status == http.StatusInternalServerError && msg == "cannot read request body" {
			return newError(http.StatusBadRequest, "the request body could not be read: it ended early or the connection dropped")
		}
		return newError(status, msg, errs...)
	}
}
