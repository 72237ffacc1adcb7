package limits

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// CollectorConfig adjusts StatsCollector. A nil *CollectorConfig means the
// defaults.
type CollectorConfig struct {
	// Tenants is how many tenants, the heaviest by total time, get a label
	// of their own; the rest are summed under tenant="other". Default 20
	// (as TENANTRY_METRICS_TENANTS).
	Tenants int
	// Timeout bounds each scrape's query. Default 5 seconds.
	Timeout time.Duration
	// Logger receives failed scrapes. Default: discard.
	Logger *slog.Logger
}

// StatsCollector exports Top's figures as Prometheus metrics with a
// bounded tenant label: the Tenants heaviest tenants by slug, the rest as
// "other". Each scrape runs one Top on pool. The counters are
// pg_stat_statements' own: they restart from zero when the statistics are
// reset (tenantry_statements_stats_reset_timestamp_seconds moves), which
// Prometheus' rate() takes as a counter reset. Without pg_stat_statements,
// only tenantry_statements_available (0) is exported. Register it on the
// metrics registry: registry.MustRegister(limits.NewStatsCollector(pool, nil)).
type StatsCollector struct {
	pool                           *pgxpool.Pool
	cfg                            CollectorConfig
	available, reset               *prometheus.Desc
	calls, seconds, rows, tenantsD *prometheus.Desc
}

// NewStatsCollector returns a collector of pool's statement statistics.
func NewStatsCollector(pool *pgxpool.Pool, cfg *CollectorConfig) *StatsCollector {
	c := CollectorConfig{}
	if cfg != nil {
		c = *cfg
	}
	c.Tenants = cmp.Or(c.Tenants, 20)
	c.Timeout = cmp.Or(c.Timeout, 5*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	tenant := []string{"tenant"}
	return &StatsCollector{pool: pool, cfg: c,
		available: prometheus.NewDesc("tenantry_statements_available",
			"1 when pg_stat_statements can be read, else 0 (see tenantry top for how to enable it).", nil, nil),
		reset: prometheus.NewDesc("tenantry_statements_stats_reset_timestamp_seconds",
			"When pg_stat_statements was last reset: every tenant counter counts from then.", nil, nil),
		calls: prometheus.NewDesc("tenantry_tenant_statements_calls_total",
			"Statements executed under the tenant's role since the last reset.", tenant, nil),
		seconds: prometheus.NewDesc("tenantry_tenant_statements_seconds_total",
			"Execution time of the tenant's statements since the last reset.", tenant, nil),
		rows: prometheus.NewDesc("tenantry_tenant_statements_rows_total",
			"Rows returned or affected by the tenant's statements since the last reset.", tenant, nil),
		tenantsD: prometheus.NewDesc("tenantry_statements_tenants",
			"Tenants with statement statistics.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *StatsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.available, c.reset, c.calls, c.seconds, c.rows, c.tenantsD} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *StatsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout)
	defer cancel()
	r, err := Top(ctx, c.pool, TopOptions{Tenants: c.cfg.Tenants, Statements: -1})
	if err != nil {
		c.cfg.Logger.Warn("limits: collect statement statistics", "err", err)
		ch <- prometheus.NewInvalidMetric(c.available, err)
		return
	}
	if !r.Available {
		ch <- prometheus.MustNewConstMetric(c.available, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.available, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(c.reset, prometheus.GaugeValue, float64(r.Since.UnixNano())/1e9)
	ch <- prometheus.MustNewConstMetric(c.tenantsD, prometheus.GaugeValue, float64(r.TenantCount))
	for _, t := range r.Tenants {
		c.figures(ch, t.Tenant, t.Figures)
	}
	if r.TenantCount > len(r.Tenants) {
		c.figures(ch, "other", r.Others)
	}
}

func (c *StatsCollector) figures(ch chan<- prometheus.Metric, tenant string, f Figures) {
	ch <- prometheus.MustNewConstMetric(c.calls, prometheus.CounterValue, float64(f.Calls), tenant)
	ch <- prometheus.MustNewConstMetric(c.seconds, prometheus.CounterValue, f.TotalMS/1000, tenant)
	ch <- prometheus.MustNewConstMetric(c.rows, prometheus.CounterValue, float64(f.Rows), tenant)
}
