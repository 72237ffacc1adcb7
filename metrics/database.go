package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	fleetDesc = prometheus.NewDesc("tenantry_fleet_schemas",
		"Schemas in the fleet summary, by kind (static, dynamic, spare) and state: current, behind or ahead of this binary's tenant migrations, or failed (the last migration failed).",
		[]string{"kind", "state"}, nil)
	spareReadyDesc = prometheus.NewDesc("tenantry_spare_pool_ready",
		"Spare schemas at the latest version without error: ready to become tenants.", nil, nil)
	spareTargetDesc = prometheus.NewDesc("tenantry_spare_pool_target",
		"The spare pool's configured size (TENANTRY_SPARES).", nil, nil)
	jobsDesc = prometheus.NewDesc("tenantry_jobs",
		"Jobs in the queue, by kind and state (completed, cancelled and discarded jobs stay until River cleans them up).",
		[]string{"kind", "state"}, nil)
	databaseUpDesc = prometheus.NewDesc("tenantry_metrics_database_up",
		"1 when the last database counts (fleet, spares, jobs) succeeded, else 0 and those metrics are absent.", nil, nil)
)

// databaseCollector counts the fleet's schemas, the spare pool and the
// job queue with one round trip to the database, at most once per
// cacheFor, within timeout.
type databaseCollector struct {
	db       *pgxpool.Pool
	version  int
	spares   int
	timeout  time.Duration
	cacheFor time.Duration
	log      *slog.Logger
	now      func() time.Time

	mu   sync.Mutex // one count at a time; the others reuse it
	last *counts
	at   time.Time
}

// counts is one reading of the database.
type counts struct {
	fleet     map[[2]string]int64 // kind, state
	jobs      map[[2]string]int64 // kind, state
	jobStates []string
}

func newDatabaseCollector(c Config) *databaseCollector {
	return &databaseCollector{db: c.DB, version: c.TenantVersion, spares: c.Spares,
		timeout: c.QueryTimeout, cacheFor: c.CacheFor, log: c.Logger, now: c.now}
}

func (c *databaseCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{fleetDesc, spareReadyDesc, spareTargetDesc, jobsDesc, databaseUpDesc} {
		ch <- d
	}
}

func (c *databaseCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(spareTargetDesc, prometheus.GaugeValue, float64(c.spares))
	k := c.read()
	if k == nil {
		ch <- prometheus.MustNewConstMetric(databaseUpDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(databaseUpDesc, prometheus.GaugeValue, 1)
	for _, kind := range fleetKinds {
		for _, state := range fleetStates {
			ch <- prometheus.MustNewConstMetric(fleetDesc, prometheus.GaugeValue, float64(k.fleet[[2]string{kind, state}]), kind, state)
		}
	}
	ch <- prometheus.MustNewConstMetric(spareReadyDesc, prometheus.GaugeValue, float64(k.fleet[[2]string{"spare", "current"}]))
	for _, kind := range jobKinds(k.jobs) {
		for _, state := range k.jobStates {
			ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(k.jobs[[2]string{kind, state}]), kind, state)
		}
	}
}

// read returns the last counts if fresh, else counts anew; nil when the
// counting failed (the failure is remembered as long as a success would be).
func (c *databaseCollector) read() *counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && c.now().Sub(c.at) < c.cacheFor {
		return c.last
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	k, err := c.count(ctx)
	if err != nil {
		c.log.Warn("metrics: database counts failed", "err", err)
	}
	c.last, c.at = k, c.now()
	return k
}

// count reads the fleet summary and the job queue in one round trip.
func (c *databaseCollector) count(ctx context.Context) (*counts, error) {
	k := &counts{fleet: map[[2]string]int64{}, jobs: map[[2]string]int64{}}
	b := &pgx.Batch{}
	pairs := func(into map[[2]string]int64) func(pgx.Rows) error {
		return func(rows pgx.Rows) error {
			var a, s string
			var n int64
			_, err := pgx.ForEachRow(rows, []any{&a, &s, &n}, func() error { into[[2]string{a, s}] = n; return nil })
			return err
		}
	}
	b.Queue(fleetSQL, c.version).Query(pairs(k.fleet))
	b.Queue(jobsSQL).Query(pairs(k.jobs))
	b.Queue(jobStatesSQL).Query(func(rows pgx.Rows) (err error) {
		k.jobStates, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err := c.db.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("count schemas and jobs: %w", err)
	}
	return k, nil
}

// jobKinds lists the kinds in jobs, each once.
func jobKinds(jobs map[[2]string]int64) []string {
	seen := map[string]bool{}
	var kinds []string
	for ks := range jobs {
		if !seen[ks[0]] {
			seen[ks[0]] = true
			kinds = append(kinds, ks[0])
		}
	}
	return kinds
}
