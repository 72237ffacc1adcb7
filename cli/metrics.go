package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/metrics"
)

// newMetrics returns the process's metrics: pools by purpose, the registry
// cache when cache is set, and the fleet, spare pool and job queue counted
// on d's pool.
func newMetrics(d *deps, pools map[string]*pgxpool.Pool, cache metrics.CacheStater, log *slog.Logger) (*metrics.Metrics, error) {
	s := d.settings
	tenants := s.metricsTenants
	if tenants == 0 {
		tenants = metrics.NoTenantLabels
	}
	var extra []prometheus.Collector
	if s.metricsTenants > 0 { // per-tenant statement statistics: pg_stat_statements by tenant role
		extra = append(extra, limits.NewStatsCollector(d.pool, &limits.CollectorConfig{Tenants: s.metricsTenants, Logger: log}))
	}
	m, err := metrics.New(&metrics.Config{Tenants: tenants, Pools: pools, Cache: cache, DB: d.pool,
		TenantVersion: d.sets.Tenant.Latest(), Spares: s.spares, Logger: log,
		Collectors: extra})
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return m, nil
}

// serveMetrics serves m at /metrics on addr (TENANTRY_METRICS_ADDR) until
// ctx ends or the returned function is called.
func serveMetrics(ctx context.Context, addr string, m *metrics.Metrics, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (TENANTRY_METRICS_ADDR): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "addr", addr, "err", err)
		}
	}()
	log.Info("serving metrics", "addr", ln.Addr().String())
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx) // scrapes are short; a slow one is cut off
	}, nil
}
