package metrics

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tenantry/tenantry/registry"
)

// DefaultTenants is how many tenants keep their slug as a label by
// default.
const DefaultTenants = 20

// NoTenantLabels, as Config.Tenants, labels every tenant "other".
const NoTenantLabels = -1

// CacheStater is what the registry cache figures come from;
// *registry.Registry satisfies it.
type CacheStater interface {
	CacheStats() registry.CacheStats
}

// Config says what the metrics watch. A nil *Config means the defaults:
// request metrics and the Go runtime's, nothing else.
type Config struct {
	// Tenants is how many of the busiest tenants keep their slug as the
	// tenant label. Default DefaultTenants (20); NoTenantLabels for none.
	Tenants int
	// RankInterval is how often the busiest tenants are re-ranked.
	// Default 1 minute.
	RankInterval time.Duration
	// Pools are the database pools to report, by purpose ("http",
	// "jobs"). Default none.
	Pools map[string]*pgxpool.Pool
	// Cache is the registry whose cache hits and misses to report.
	// Default none.
	Cache CacheStater
	// DB is where the fleet's schemas, the spare pool and the job queue are
	// counted, at most once per CacheFor, each time within QueryTimeout.
	// Default nil: those metrics are left out.
	DB *pgxpool.Pool
	// TenantVersion is the tenant migration set's latest version: schemas
	// below it are "behind". Required with DB.
	TenantVersion int
	// Spares is the spare pool's target size (tenantry_spare_pool_target).
	// Default 0.
	Spares int
	// QueryTimeout bounds the database counts of one scrape. Default 2 s.
	QueryTimeout time.Duration
	// CacheFor is how long the database counts are reused, so that
	// frequent scrapes cost the database little. Default 5 s.
	CacheFor time.Duration
	// Logger receives the failures of the database counts. Default: discard.
	Logger *slog.Logger
	// Collectors are registered besides the built-in ones, such as
	// limits.StatsCollector (per-tenant statement statistics). Default none.
	Collectors []prometheus.Collector

	now func() time.Time // tests move time by hand
}

// Metrics holds a server's metrics. It is safe for concurrent use.
type Metrics struct {
	reg     *prometheus.Registry
	http    *httpMetrics
	tenants *tenantLabels
	series  sync.RWMutex // held for writing while series of dropped tenants are deleted
}

// New returns the metrics cfg describes, registered with a registry of
// their own together with the Go runtime's and the process's collectors.
func New(cfg *Config) (*Metrics, error) {
	c, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	m := &Metrics{reg: prometheus.NewRegistry(), http: newHTTPMetrics(),
		tenants: newTenantLabels(max(c.Tenants, 0), c.RankInterval, c.now)}
	cs := []prometheus.Collector{collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})}
	cs = append(cs, m.http.collectors()...)
	if len(c.Pools) > 0 {
		cs = append(cs, &poolCollector{pools: c.Pools})
	}
	if c.Cache != nil {
		cs = append(cs, &cacheCollector{cache: c.Cache})
	}
	if c.DB != nil {
		cs = append(cs, newDatabaseCollector(c))
	}
	cs = append(cs, c.Collectors...)
	for _, col := range cs {
		if err := m.reg.Register(col); err != nil {
			return nil, fmt.Errorf("metrics: register collector: %w", err)
		}
	}
	return m, nil
}

func withDefaults(cfg *Config) (Config, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Tenants == 0 {
		c.Tenants = DefaultTenants
	}
	c.RankInterval = cmp.Or(c.RankInterval, time.Minute)
	c.QueryTimeout = cmp.Or(c.QueryTimeout, 2*time.Second)
	c.CacheFor = cmp.Or(c.CacheFor, 5*time.Second)
	if c.now == nil {
		c.now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for purpose, p := range c.Pools {
		if purpose == "" || p == nil {
			return Config{}, errors.New("metrics: Config.Pools: every pool needs a purpose and a non-nil pool")
		}
	}
	if c.DB != nil && c.TenantVersion <= 0 {
		return Config{}, errors.New("metrics: Config.TenantVersion is required with Config.DB")
	}
	if c.RankInterval < 0 || c.QueryTimeout < 0 || c.CacheFor < 0 || c.Spares < 0 {
		return Config{}, errors.New("metrics: Config.RankInterval, QueryTimeout, CacheFor and Spares may not be negative")
	}
	return c, nil
}

// Handler serves the metrics in the Prometheus text format (or
// OpenMetrics when the scraper asks for it). A collector that fails is
// left out of the answer rather than failing it; at most two scrapes run
// at once.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 2,
		Registry:            m.reg, // counts the handler's own errors
	})
}

// Gatherer returns the registry the metrics are in, for tests and for
// pushing them elsewhere.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }
