package api

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/migrations"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/signup"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanthttp"
)

// MaxBodyBytes is the largest request body the server reads (1 MiB).
const MaxBodyBytes = 1 << 20

// Config is what NewHandler wires together. Pool, Resolver, DB and Signer
// are required.
type Config struct {
	Pool     *pgxpool.Pool
	Resolver tenanthttp.Resolver // usually a *registry.Registry
	DB       *tenantdb.DB
	Signer   *auth.Signer // signs and checks access tokens
	// Policy says what each role may do. Default auth.DefaultPolicy.
	Policy auth.Policy
	// FallbackDomains are served the public site instead of a tenant.
	// Default none.
	FallbackDomains []string
	// Shared is the shared migration set /readyz expects applied. Default
	// migrations.Shared().
	Shared *migrate.Set
	// Logger receives one line per request and every internal error.
	// Default: discard.
	Logger *slog.Logger
	// Provisioner and Registry serve the platform API (/api/platform/ on
	// the fallback domains): operators create and delete tenants through
	// Provisioner and list, suspend and activate them through Registry,
	// which should be the Resolver so that a change is seen at once. Without
	// either, the platform API is not served (404). Default nil.
	Provisioner *provision.Provisioner
	Registry    *registry.Registry
	// MemberRole is the role of a user created through the API without
	// one. Default auth.RoleMember.
	MemberRole string
	// Routes are the application's route hooks (app.App.Routes), called
	// once the built-in operations are registered. Default none.
	Routes []func(*Routes) error
	// Without lists built-in parts not to serve. Default none.
	Without []Part
	// Signup serves self-service signup on the fallback domains
	// (/api/signup/ and its HTML pages) and join requests and email domains
	// on tenant hosts. Without it, none of these is served (404). Default nil.
	Signup *signup.Service
	// Console serves the web console (package console) at /admin/ on every
	// host: the tenant console on tenant hosts, the platform console on the
	// fallback domains; a tenant host's / then redirects to it. Default
	// nil: none of these is served (404).
	Console http.Handler
	// Docs renders the OpenAPI document as the page /api/docs on every
	// host (console.APIDocs). Default nil: 404.
	Docs func(openapi []byte) (http.Handler, error)
}

// NewHandler returns the server's handler.
func NewHandler(cfg *Config) (http.Handler, error) {
	if cfg == nil || cfg.Pool == nil || cfg.Resolver == nil || cfg.DB == nil || cfg.Signer == nil {
		return nil, errors.New("api: Config.Pool, Config.Resolver, Config.DB and Config.Signer are required")
	}
	c := *cfg
	if c.Shared == nil {
		c.Shared = migrations.Shared()
	}
	if c.Policy == nil {
		c.Policy = auth.DefaultPolicy
	}
	if slices.Contains(c.Without, PartSignup) {
		c.Signup = nil // no signup pages either, and no join requests, which come from signups
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &server{cfg: c, log: c.Logger, appMux: http.NewServeMux()}
	s.appMux.HandleFunc("/", notFound)
	rest := http.NewServeMux()
	humaAPI, err := s.newREST(rest)
	if err != nil {
		return nil, err
	}
	s.oapi = humaAPI.OpenAPI()
	rest.HandleFunc("/", notAllowed(rest))
	s.rest = trimSlash(rest)
	tenantRoutes := tenanthttp.Middleware(c.Resolver, &tenanthttp.Config{
		FallbackDomains: c.FallbackDomains,
		Public:          http.HandlerFunc(s.public),
		Logger:          c.Logger,
		RequestID:       func(r *http.Request) string { return RequestID(r.Context()) },
	})(noteTenant(s.tenantRoutes()))
	root := http.NewServeMux()
	root.HandleFunc("GET /healthz", s.healthz)
	root.HandleFunc("GET /readyz", s.readyz)
	root.Handle("GET "+OpenAPIPath, s.rest)
	if err := s.mountDocs(root); err != nil {
		return nil, err
	}
	root.Handle("/", tenantRoutes)
	return s.logRequests(recoverPanics(s.log, limitBody(root))), nil
}

type server struct {
	cfg    Config
	log    *slog.Logger
	rest   http.Handler   // the huma operations
	appMux *http.ServeMux // the application's plain handlers on tenant hosts
	oapi   *huma.OpenAPI  // the document of every operation, for /api/docs
}

// tenantRoutes routes requests already resolved to an active tenant: the
// tenant API, never the platform's.
func (s *server) tenantRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/platform/", notFound)
	mux.HandleFunc("/api/signup/", notFound)
	mux.Handle("/api/", s.rest)
	mux.Handle("/", s.appMux)
	s.mountConsole(mux)
	return mux
}

// notAllowed answers what no operation of mux matches: 405 with Allow when
// the path has operations for other methods, else 404.
func notAllowed(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			notFound(w, r)
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		tenanthttp.WriteProblem(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+": use "+strings.Join(allow, ", "))
	}
}

func notFound(w http.ResponseWriter, r *http.Request) {
	tenanthttp.WriteProblem(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz reports ready when the database answers and the public schema
// has every shared migration this binary knows. An unreachable database is
// 503 with Retry-After, like any request that needs it.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	v, err := migrate.Version(r.Context(), s.cfg.Pool, "public")
	switch {
	case pgerr.Unavailable(err):
		s.log.Debug("not ready: database unavailable", "err", err)
		tenanthttp.WriteDatabaseUnavailable(w)
	case err != nil:
		s.log.Warn("not ready: database check failed", "err", err)
		tenanthttp.WriteProblem(w, http.StatusServiceUnavailable, "database check failed")
	case v < s.cfg.Shared.Latest():
		tenanthttp.WriteProblem(w, http.StatusServiceUnavailable, "database not migrated: run tenantry migrate")
	default:
		writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "shared_version": v})
	}
}
