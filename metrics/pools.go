package metrics

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reports each database pool's statistics (pgxpool.Stat),
// labelled with the pool's purpose.
type poolCollector struct {
	pools map[string]*pgxpool.Pool
}

var (
	poolMaxDesc = prometheus.NewDesc("tenantry_db_pool_max_connections",
		"The most connections the pool may open.", []string{"purpose"}, nil)
	poolConnsDesc = prometheus.NewDesc("tenantry_db_pool_connections",
		"The pool's connections now, by state: in_use (acquired), idle, constructing.", []string{"purpose", "state"}, nil)
	poolAcquiresDesc = prometheus.NewDesc("tenantry_db_pool_acquires_total",
		"Connections acquired from the pool.", []string{"purpose"}, nil)
	poolEmptyDesc = prometheus.NewDesc("tenantry_db_pool_empty_acquires_total",
		"Acquires that had to wait for a connection: none was idle.", []string{"purpose"}, nil)
	poolCanceledDesc = prometheus.NewDesc("tenantry_db_pool_canceled_acquires_total",
		"Acquires given up (their context ended) before a connection came.", []string{"purpose"}, nil)
	poolWaitDesc = prometheus.NewDesc("tenantry_db_pool_acquire_wait_seconds_total",
		"Time spent acquiring connections, successful acquires only.", []string{"purpose"}, nil)
	poolNewDesc = prometheus.NewDesc("tenantry_db_pool_new_connections_total",
		"Connections the pool opened.", []string{"purpose"}, nil)
)

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolMaxDesc, poolConnsDesc, poolAcquiresDesc, poolEmptyDesc,
		poolCanceledDesc, poolWaitDesc, poolNewDesc} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for purpose, pool := range c.pools {
		s := pool.Stat()
		gauge := func(d *prometheus.Desc, v float64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{purpose}, labels...)...)
		}
		counter := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, purpose)
		}
		gauge(poolMaxDesc, float64(s.MaxConns()))
		gauge(poolConnsDesc, float64(s.AcquiredConns()), "in_use")
		gauge(poolConnsDesc, float64(s.IdleConns()), "idle")
		gauge(poolConnsDesc, float64(s.ConstructingConns()), "constructing")
		counter(poolAcquiresDesc, float64(s.AcquireCount()))
		counter(poolEmptyDesc, float64(s.EmptyAcquireCount()))
		counter(poolCanceledDesc, float64(s.CanceledAcquireCount()))
		counter(poolWaitDesc, s.AcquireDuration().Seconds())
		counter(poolNewDesc, float64(s.NewConnsCount()))
	}
}
