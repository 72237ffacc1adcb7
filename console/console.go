package console

import (
	"cmp"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/signup"
	"github.com/tenantry/tenantry/tenantdb"
)

// Prefix is where the console is served on every host.
const Prefix = "/admin/"

// DefaultSessionTTL is how long a console session lasts from its login.
const DefaultSessionTTL = 12 * time.Hour

// Config is what New needs. Pool and DB are required.
type Config struct {
	Pool *pgxpool.Pool
	DB   *tenantdb.DB
	// Policy says what each role may do. Default auth.DefaultPolicy.
	Policy auth.Policy
	// MemberRole is the role offered first for a new user. Default
	// auth.RoleMember.
	MemberRole string
	// Sections are the application's parts of the tenant console, in the
	// order of the navigation. Default none.
	Sections []Section
	// Signup serves join requests and email domains in the tenant console.
	// Default nil: those pages are not served.
	Signup *signup.Service
	// Registry and Provisioner serve the platform console on the base
	// domain. Without either, the platform console answers 404.
	Registry    *registry.Registry
	Provisioner *provision.Provisioner
	// TenantMigrations is the tenant set whose latest version the fleet
	// page compares schemas with. Default: Provisioner's, else none.
	TenantMigrations *migrate.Set
	// SessionTTL is how long a session lasts. Default DefaultSessionTTL.
	SessionTTL time.Duration
	// SecureCookies marks cookies Secure even on plain HTTP, for a server
	// behind a proxy that ends TLS. Cookies of requests that arrive over
	// TLS are always Secure. Default false.
	SecureCookies bool
	// Logger receives every internal error. Default: discard.
	Logger *slog.Logger
}

// Console serves the tenant console on tenant hosts and the platform
// console on the base domain, both under Prefix. It is safe for concurrent
// use.
type Console struct {
	cfg      Config
	log      *slog.Logger
	pages    map[string]*template.Template
	tenant   http.Handler
	platform http.Handler
}

// New returns the console, or an error naming what is wrong in cfg.
func New(cfg *Config) (*Console, error) {
	if cfg == nil || cfg.Pool == nil || cfg.DB == nil {
		return nil, errors.New("console: Config.Pool and Config.DB are required")
	}
	c := &Console{cfg: *cfg}
	if c.cfg.Policy == nil {
		c.cfg.Policy = auth.DefaultPolicy
	}
	c.cfg.MemberRole = cmp.Or(c.cfg.MemberRole, auth.RoleMember)
	c.cfg.SessionTTL = cmp.Or(c.cfg.SessionTTL, DefaultSessionTTL)
	c.log = c.cfg.Logger
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := checkSections(c.cfg.Sections, c.cfg.Policy); err != nil {
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	c.pages = pages
	c.tenant = c.tenantRoutes()
	c.platform = c.platformRoutes()
	return c, nil
}

// ServeHTTP serves a request under Prefix: the tenant console when the
// request's context holds a tenant (tenanthttp.Middleware put it there),
// else the platform console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	if _, ok := tenantry.FromContext(r.Context()); ok {
		c.tenant.ServeHTTP(w, r)
		return
	}
	c.platform.ServeHTTP(w, r)
}

// RootRedirect answers a tenant host's / with a redirect to the console,
// so that a person who follows a link to the tenant lands on a page.
func RootRedirect(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}
