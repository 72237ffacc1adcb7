package tenanthttp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/pgerr"
)

// Resolver finds the tenant that serves a normalised host. Its error wraps
// tenantry.ErrTenantNotFound when no tenant does. *registry.Registry
// satisfies it.
type Resolver interface {
	Lookup(ctx context.Context, host string) (*tenantry.Tenant, error)
}

// Middleware returns middleware that resolves each request's tenant through
// res and serves it as the package documentation describes: the next
// handler sees only active tenants' requests, each with its tenant in the
// context. A nil cfg means the defaults. Middleware panics if res is nil or
// a fallback domain is invalid. The handlers it returns are safe for
// concurrent use, as long as res is.
func Middleware(res Resolver, cfg *Config) func(next http.Handler) http.Handler {
	if res == nil {
		panic("tenanthttp: Middleware needs a Resolver")
	}
	s := newSettings(cfg)
	return func(next http.Handler) http.Handler {
		return &handler{res: res, s: s, next: next}
	}
}

type handler struct {
	res  Resolver
	s    *settings
	next http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, err := tenantry.NormalizeHost(requestHost(r))
	switch {
	case err != nil:
		badHost(w, err)
	case h.s.fallback[host]:
		h.s.Public.ServeHTTP(w, r.WithContext(tenantry.WithTenant(r.Context(), nil)))
	case tenantry.IsIPHost(host):
		notFound(w, r)
	default:
		h.serveTenant(w, r, host)
	}
}

// serveTenant looks host up and passes the request on if its tenant is
// active.
func (h *handler) serveTenant(w http.ResponseWriter, r *http.Request, host string) {
	t, err := h.lookup(r.Context(), host)
	switch {
	case errors.Is(err, tenantry.ErrTenantNotFound):
		notFound(w, r)
	case err != nil:
		h.lookupFailed(w, r, host, err)
	case t.Deleting():
		notFound(w, r) // as it will be once the delete is done
	case !t.Active():
		h.inactive(w, t)
	case t.Maintenance:
		h.maintenance(w)
	default:
		h.next.ServeHTTP(w, r.WithContext(tenantry.WithTenant(r.Context(), t)))
	}
}

func (h *handler) lookup(ctx context.Context, host string) (*tenantry.Tenant, error) {
	t, err := h.res.Lookup(ctx, host)
	if err == nil && t == nil {
		return nil, fmt.Errorf("resolver returned neither a tenant nor an error for host %s", host)
	}
	return t, err
}

// requestHost is the host the client asked for: the Host header, or the
// host of an absolute request URL when there is no header.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}

// badHost answers 400 with the rule the host breaks. A ValidationError's
// message is meant for the user and quotes at most 64 bytes of the input.
func badHost(w http.ResponseWriter, err error) {
	detail := "invalid host"
	if ve, ok := errors.AsType[*tenantry.ValidationError](err); ok {
		detail = ve.Error()
	}
	WriteProblem(w, http.StatusBadRequest, detail)
}

// notFound answers a host that no tenant serves. Its body is the same for
// every host, so it tells nothing of the tenants that exist.
func notFound(w http.ResponseWriter, _ *http.Request) {
	WriteProblem(w, http.StatusNotFound, "no tenant serves this host")
}

// inactive answers 503 for a tenant that is not served.
func (h *handler) inactive(w http.ResponseWriter, t *tenantry.Tenant) {
	switch t.Status {
	case tenantry.StatusSuspended:
		if h.s.RetryAfter > 0 {
			w.Header().Set("Retry-After", retryAfterSeconds(h.s.RetryAfter))
		}
		WriteProblem(w, http.StatusServiceUnavailable, "this tenant is suspended")
	case tenantry.StatusTerminated:
		WriteProblem(w, http.StatusServiceUnavailable, "this tenant is terminated")
	default:
		WriteProblem(w, http.StatusServiceUnavailable, "this tenant is not available")
	}
}

// maintenance answers 503 with Retry-After for a tenant in maintenance.
func (h *handler) maintenance(w http.ResponseWriter) {
	w.Header().Set("Retry-After", retryAfterSeconds(h.s.MaintenanceRetryAfter))
	WriteProblem(w, http.StatusServiceUnavailable, "this tenant is under maintenance, retry shortly")
}

// lookupFailed answers a failed lookup: 503 with Retry-After when the
// database is unreachable (logged at debug level: an outage is logged by
// whoever watches the connections, not once per request), else 500
// "internal error", logged with the host.
func (h *handler) lookupFailed(w http.ResponseWriter, r *http.Request, host string, err error) {
	switch {
	case r.Context().Err() != nil:
		// The client went away during the lookup: nothing failed, and no
		// one reads the answer (499, nginx's "client closed request").
		WriteProblem(w, 499, "request cancelled")
	case pgerr.Unavailable(err):
		h.s.Logger.DebugContext(r.Context(), "tenanthttp: tenant lookup failed: database unavailable",
			"host", host, "request_id", h.s.RequestID(r), "err", err)
		WriteDatabaseUnavailable(w)
	default:
		h.s.Logger.ErrorContext(r.Context(), "tenanthttp: tenant lookup failed",
			"host", host, "request_id", h.s.RequestID(r), "err", err)
		WriteProblem(w, http.StatusInternalServerError, "internal error")
	}
}

// retryAfterSeconds formats d as whole seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(max(1, int64(math.Ceil(d.Seconds()))), 10)
}

// Tenant returns the tenant Middleware resolved for r, if any. Requests for
// fallback domains carry none.
func Tenant(r *http.Request) (*tenantry.Tenant, bool) {
	return tenantry.FromContext(r.Context())
}
