package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	appspec "github.com/tenantry/tenantry/app"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/domains"
	"github.com/tenantry/tenantry/export"
	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/metrics"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
)

// settings are read from the environment; see the README for each.
type settings struct {
	app           *appspec.App     // the application the binary runs
	migrations    string           // TENANTRY_MIGRATIONS: a directory of the operator's SQL (shared/, tenant/)
	databaseURL   string           // DATABASE_URL
	listenURL     string           // TENANTRY_LISTEN_URL: a direct connection for LISTEN; default DATABASE_URL
	addr          string           // TENANTRY_ADDR, default :8000
	baseDomain    string           // TENANTRY_BASE_DOMAIN, default localhost
	staticSchemas []string         // TENANTRY_STATIC_SCHEMAS, comma-separated; default main
	disableRoles  bool             // TENANTRY_DISABLE_ROLES=1 turns the per-tenant role layer off
	stateDir      string           // TENANTRY_DIR, default .tenantry
	spares        int              // TENANTRY_SPARES, default 5: the spare schema pool's size
	baseURL       string           // TENANTRY_BASE_URL, default http://<base domain>[:<port of addr>]
	smtpURL       string           // TENANTRY_SMTP_URL; unset: mail goes to <stateDir>/outbox
	exports       *export.Schedule // TENANTRY_EXPORT_DIR, _EVERY, _KEEP; nil: no scheduled exports
	mailFrom      string           // TENANTRY_MAIL_FROM, default Tenantry <no-reply@<base domain>>
	workers       int              // TENANTRY_WORKERS, default 10: jobs worked at once by serve and worker
	poolHTTP      int              // TENANTRY_POOL_HTTP, default 10: connections for HTTP requests (serve, dev)
	poolJobs      int              // TENANTRY_POOL_JOBS, default TENANTRY_WORKERS+4: connections for the jobs
	pollOnly      bool             // TENANTRY_JOBS_POLL_ONLY=1: jobs poll instead of LISTEN (behind PgBouncer)
	instances     int              // TENANTRY_INSTANCES, default 1: server instances sharing the plans' rates
	tenantShare   int              // TENANTRY_TENANT_SHARE: any tenant's transactions at once per pool; default half the pool
	tenantStmts   int              // TENANTRY_TENANT_STATEMENTS, default 128: recent tenants with statements prepared apart; 0 off
	invalid       error            // the first malformed setting, reported by wire

	// TENANTRY_METRICS_ADDR: a listener of its own for /metrics; unset: the
	// base domain's /metrics.
	metricsAddr string
	// TENANTRY_METRICS_TENANTS, default 20: tenants that keep their slug as
	// a metrics label.
	metricsTenants int
	// domains and the lifecycle
	fallback    []string      // TENANTRY_FALLBACK_DOMAINS, default the base domain and www. of it
	dnsResolver string        // TENANTRY_DNS_RESOLVER: host:port of the DNS server domain checks ask; default the system's
	purgeAfter  time.Duration // TENANTRY_PURGE_AFTER, default 30 days: how long a terminated tenant's data is kept
}

func (a *app) settings() settings {
	s := settings{
		app:          a.spec,
		migrations:   a.getenv("TENANTRY_MIGRATIONS"),
		databaseURL:  a.getenv("DATABASE_URL"),
		addr:         cmp.Or(a.getenv("TENANTRY_ADDR"), ":8000"),
		baseDomain:   strings.ToLower(cmp.Or(a.getenv("TENANTRY_BASE_DOMAIN"), "localhost")),
		disableRoles: a.getenv("TENANTRY_DISABLE_ROLES") == "1",
		stateDir:     cmp.Or(a.getenv("TENANTRY_DIR"), ".tenantry"),
	}
	s.listenURL = cmp.Or(a.getenv("TENANTRY_LISTEN_URL"), s.databaseURL)
	s.staticSchemas = []string{"main"}
	if v, ok := a.lookupEnv("TENANTRY_STATIC_SCHEMAS"); ok {
		s.staticSchemas = splitList(v)
	}
	s.smtpURL = a.getenv("TENANTRY_SMTP_URL")
	s.mailFrom = cmp.Or(a.getenv("TENANTRY_MAIL_FROM"), "Tenantry <no-reply@"+s.baseDomain+">")
	s.pollOnly = a.getenv("TENANTRY_JOBS_POLL_ONLY") == "1"
	s.exports = a.exportSchedule(&s)
	s.spares = a.intSetting(&s, "TENANTRY_SPARES", 5, 0, 1000)
	s.workers = a.intSetting(&s, "TENANTRY_WORKERS", 10, 1, 1000)
	s.poolHTTP = a.intSetting(&s, "TENANTRY_POOL_HTTP", defaultPoolHTTP, 1, 1000)
	s.poolJobs = a.intSetting(&s, "TENANTRY_POOL_JOBS", s.workers+jobsPoolOverhead, 2, 1000)
	s.metricsAddr = a.getenv("TENANTRY_METRICS_ADDR")
	s.metricsTenants = a.intSetting(&s, "TENANTRY_METRICS_TENANTS", metrics.DefaultTenants, 0, 1000)
	s.fallback = a.fallbackDomains(s)
	s.dnsResolver = a.getenv("TENANTRY_DNS_RESOLVER")
	s.purgeAfter = a.durationSetting(&s, "TENANTRY_PURGE_AFTER", registry.DefaultPurgeAfter)
	s.instances = a.intSetting(&s, "TENANTRY_INSTANCES", 1, 1, 1000)
	s.tenantShare = a.intSetting(&s, "TENANTRY_TENANT_SHARE", 0, 1, 1000)
	s.tenantStmts = a.intSetting(&s, "TENANTRY_TENANT_STATEMENTS", tenantdb.DefaultTenantStatements, 0, 100000)
	s.baseURL = a.getenv("TENANTRY_BASE_URL")
	if s.baseURL == "" {
		s.baseURL = defaultBaseURL(s.baseDomain, s.addr)
	}
	return s
}

// tenantStatements is TENANTRY_TENANT_STATEMENTS as
// tenantdb.Config.TenantStatements, whose "off" is negative.
func (s settings) tenantStatements() int {
	if s.tenantStmts == 0 {
		return -1
	}
	return s.tenantStmts
}

// intSetting reads the integer variable name, def when unset; a malformed
// or out-of-range value is recorded in s.invalid.
func (a *app) intSetting(s *settings, name string, def, lo, hi int) int {
	v := strings.TrimSpace(a.getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		if s.invalid == nil {
			s.invalid = usagef("%s=%q: must be a whole number from %d to %d", name, v, lo, hi)
		}
		return def
	}
	return n
}

// defaultBaseURL is where users reach the server when TENANTRY_BASE_URL is
// not set: http on the base domain, with the listening port unless 80.
func defaultBaseURL(baseDomain, addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || port == "80" {
		return "http://" + baseDomain
	}
	return "http://" + net.JoinHostPort(baseDomain, port)
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// devURLFile holds, while "tenantry dev" runs, the URL of its cluster, so
// that other commands in the same directory reach it without DATABASE_URL.
const devURLFile = "database_url"

// resolveDatabase fills in s.databaseURL from a running dev cluster when
// DATABASE_URL is not set.
func (s *settings) resolveDatabase() error {
	if s.databaseURL != "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(s.stateDir, devURLFile))
	if errors.Is(err, os.ErrNotExist) {
		return usagef("DATABASE_URL is not set: set it to your PostgreSQL (postgres://user@host:5432/db), or start \"tenantry dev\" in this directory")
	}
	if err != nil {
		return fmt.Errorf("read the dev cluster's URL: %w", err)
	}
	url := strings.TrimSpace(string(b))
	if err := dialDatabase(url); err != nil {
		return devNotRunning(s.stateDir, err)
	}
	s.databaseURL = url
	s.listenURL = cmp.Or(s.listenURL, s.databaseURL)
	return nil
}

// deps are the library's parts, wired to one database.
type deps struct {
	settings    settings
	sets        appspec.Sets // the application's migration sets
	policy      auth.Policy  // the application's roles
	pool        *pgxpool.Pool
	registry    *registry.Registry
	db          *tenantdb.DB
	provisioner *provision.Provisioner
	fleet       *fleet.Fleet
	jobs        *jobs.Jobs // insert-only unless startJobs replaced it
	// jobsPool is the job workers' pool, once startJobs opened it.
	jobsPool *pgxpool.Pool
	domains  *domains.Service
	plans    *limits.Plans
}

// open connects to the database and wires the library to it. maxConns 0
// means TENANTRY_POOL_HTTP. The caller closes d.pool.
func (a *app) open(ctx context.Context, maxConns int32) (*deps, error) {
	s := a.settings()
	if err := s.resolveDatabase(); err != nil {
		return nil, err
	}
	return wire(ctx, s, maxConns, a.quietLogger())
}

// wire connects to the database with a pool of maxConns connections
// (0: TENANTRY_POOL_HTTP) and wires the library to it. The job workers
// get a pool of their own from startJobs.
func wire(ctx context.Context, s settings, maxConns int32, log *slog.Logger) (*deps, error) {
	if s.invalid != nil {
		return nil, s.invalid
	}
	if err := checkStaticSchemas(s.staticSchemas); err != nil {
		return nil, err
	}
	sets, policy, err := s.appSets()
	if err != nil {
		return nil, err
	}
	pool, err := openPool(ctx, s.databaseURL, cmp.Or(maxConns, int32(s.poolHTTP)), log)
	if err != nil {
		return nil, err
	}
	d := &deps{
		settings: s,
		sets:     sets,
		policy:   policy,
		pool:     pool,
		registry: registry.New(pool, &registry.Config{Logger: log, PurgeAfter: s.purgeAfter}),
		db:       tenantdb.New(pool, &tenantdb.Config{DisableRoles: s.disableRoles}),
		plans:    limits.NewPlans(pool, &limits.Config{Logger: log}),
		fleet: fleet.New(pool, &fleet.Config{Shared: sets.Shared, Tenant: sets.Tenant,
			StaticSchemas: s.staticSchemas, Logger: log}),
	}
	d.provisioner = d.newProvisioner(pool, log)
	// Commands that only enqueue (tenant create) queue the refill after a
	// claim through this client; serve and worker replace it with one that
	// works jobs.
	if d.jobs, err = jobs.New(jobs.Config{Pool: pool, InsertOnly: true, Logger: log}); err != nil {
		pool.Close()
		return nil, err
	}
	if d.domains, err = d.newDomains(pool, log); err != nil {
		pool.Close()
		return nil, err
	}
	return d, nil
}

// gatedDB returns tenant transactions on pool (of size connections) under
// the plans' limits: each tenant's transactions at once capped by its plan
// and by TENANTRY_TENANT_SHARE (default half the pool, at least 1), so
// that no tenant can hold the whole pool, and its plan's statement_timeout.
func (d *deps) gatedDB(pool *pgxpool.Pool, size int) *tenantdb.DB {
	share := d.settings.tenantShare
	if share == 0 {
		share = max(1, size/2)
	}
	gate := limits.NewGate(d.plans, &limits.GateConfig{Share: share})
	return tenantdb.New(pool, &tenantdb.Config{DisableRoles: d.settings.disableRoles, Limiter: gate,
		TenantStatements: d.settings.tenantStatements()})
}

// newProvisioner returns a provisioner on pool configured by d's settings.
func (d *deps) newProvisioner(pool *pgxpool.Pool, log *slog.Logger) *provision.Provisioner {
	s := d.settings
	return provision.New(pool, &provision.Config{TenantMigrations: d.sets.Tenant, OwnerRole: s.app.Owner(),
		StaticSchemas: s.staticSchemas, DisableRoles: s.disableRoles,
		Spares: s.spares, OnClaim: d.refillAfterClaim, OnCreate: d.seedAfterCreate, Logger: log})
}

// seedAfterCreate queues the application's seed hooks for a new tenant in
// the transaction that makes it, whichever command or endpoint makes it.
func (d *deps) seedAfterCreate(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant) error {
	if len(d.settings.app.Seeds) == 0 {
		return nil
	}
	return d.jobs.EnqueueSeed(ctx, tx, t.ID)
}

// refillAfterClaim queues a spare-pool refill in the transaction that
// claimed a spare, so the pool is topped up as soon as the tenant commits.
func (d *deps) refillAfterClaim(ctx context.Context, tx pgx.Tx, _ provision.Claim) error {
	return d.jobs.EnqueueRefill(ctx, tx)
}

// checkStaticSchemas refuses static schema names that are not plain
// identifiers or that would collide with public or a tenant's schema.
func checkStaticSchemas(names []string) error {
	for _, n := range names {
		if err := tenantry.ValidateSchemaName(n); err != nil {
			return usagef("TENANTRY_STATIC_SCHEMAS: %v", err)
		}
		if _, isTenant := tenantry.SlugFromSchema(n); n == "public" || isTenant || strings.HasPrefix(n, "_tenantry") {
			return usagef("TENANTRY_STATIC_SCHEMAS: %q is public, a tenant's or a spare's schema name", n)
		}
	}
	return nil
}

// appSets are the application's migration sets, with the operator's
// TENANTRY_MIGRATIONS directory after them, and its role table.
func (s settings) appSets() (appspec.Sets, auth.Policy, error) {
	var local fs.FS
	if s.migrations != "" {
		st, err := os.Stat(s.migrations)
		if err != nil || !st.IsDir() {
			return appspec.Sets{}, nil, usagef("TENANTRY_MIGRATIONS=%q: not a directory (it holds shared/ and tenant/ with numbered .sql files)", s.migrations)
		}
		local = os.DirFS(s.migrations)
	}
	sets, err := s.app.Sets(local)
	if err != nil {
		return appspec.Sets{}, nil, usagef("%v", err)
	}
	policy, err := s.app.Policy()
	if err != nil {
		return appspec.Sets{}, nil, usagef("%v", err)
	}
	return sets, policy, nil
}
