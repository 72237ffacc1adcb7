package domains

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/tenanthttp"
)

// TLSAskPath is where TLSAskHandler is meant to be mounted, for Caddy's
// on-demand TLS "ask".
const TLSAskPath = "/.well-known/tenantry/tls-ask"

// TLSAskHandler answers Caddy's on-demand TLS question "may I get a
// certificate for ?domain=D": 200 for the base domain and the reserved
// ones, and for a verified domain of a tenant that is neither terminated
// nor being deleted (a suspended tenant's hosts still answer, with 503,
// over TLS); 404 for anything else, pending domains included; 400 for a
// missing or malformed name. Tenants are found through res, usually the
// registry with its cache, so a change is seen as soon as routing sees it.
func (s *Service) TLSAskHandler(res tenanthttp.Resolver) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, err := tenantry.NormalizeHost(r.URL.Query().Get("domain"))
		if err != nil {
			tenanthttp.WriteProblem(w, http.StatusBadRequest, "?domain= must be a host name: "+err.Error())
			return
		}
		if s.reserved[host] {
			w.WriteHeader(http.StatusOK)
			return
		}
		if tenantry.IsIPHost(host) {
			tenanthttp.WriteProblem(w, http.StatusNotFound, "no certificate for IP addresses")
			return
		}
		t, err := res.Lookup(r.Context(), host)
		switch {
		case errors.Is(err, tenantry.ErrTenantNotFound):
			tenanthttp.WriteProblem(w, http.StatusNotFound, "no verified domain of a live tenant has this name")
		case pgerr.Unavailable(err):
			tenanthttp.WriteDatabaseUnavailable(w)
		case err != nil:
			s.cfg.Logger.ErrorContext(r.Context(), "tls ask: look up host", "host", host, "err", err)
			tenanthttp.WriteProblem(w, http.StatusInternalServerError, "internal error")
		case t.Status == tenantry.StatusTerminated || t.Deleting():
			tenanthttp.WriteProblem(w, http.StatusNotFound, "no verified domain of a live tenant has this name")
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
}

// FileHandler serves the verification file of pending domains: GET
// /.well-known/tenantry/<token> on a pending domain whose token it is
// answers the token (text/plain), so that pointing the domain at this
// server proves control of it. Every other request goes to next.
func (s *Service) FileHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.URL.Path, WellKnownPrefix)
		if !ok || !validToken(token) || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		host, err := tenantry.NormalizeHost(r.Host)
		if err != nil || tenantry.IsIPHost(host) {
			next.ServeHTTP(w, r)
			return
		}
		var pending bool
		if err := s.pool.QueryRow(r.Context(), pendingTokenSQL, host, token).Scan(&pending); err != nil || !pending {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(token))
	})
}

// validToken reports whether t has the form of a verification token.
func validToken(t string) bool {
	if len(t) != 32 {
		return false
	}
	for _, c := range []byte(t) {
		if !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}
