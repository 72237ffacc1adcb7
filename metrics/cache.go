package metrics

import "github.com/prometheus/client_golang/prometheus"

// cacheCollector reports the registry cache's hits, misses and reads.
type cacheCollector struct {
	cache CacheStater
}

var (
	cacheLookupsDesc = prometheus.NewDesc("tenantry_registry_cache_lookups_total",
		"Host lookups of the tenant registry, by result: hit (answered from the cache) or miss (read from the database).",
		[]string{"result"}, nil)
	cacheReadsDesc = prometheus.NewDesc("tenantry_registry_cache_reads_total",
		"Database reads of the tenant registry's cache misses; concurrent misses of one host share one read.",
		nil, nil)
	cacheEntriesDesc = prometheus.NewDesc("tenantry_registry_cache_entries",
		"Hosts in the tenant registry's cache.", nil, nil)
)

func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- cacheLookupsDesc
	ch <- cacheReadsDesc
	ch <- cacheEntriesDesc
}

func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.cache.CacheStats()
	ch <- prometheus.MustNewConstMetric(cacheLookupsDesc, prometheus.CounterValue, float64(s.Hits), "hit")
	ch <- prometheus.MustNewConstMetric(cacheLookupsDesc, prometheus.CounterValue, float64(s.Misses), "miss")
	ch <- prometheus.MustNewConstMetric(cacheReadsDesc, prometheus.CounterValue, float64(s.Reads))
	ch <- prometheus.MustNewConstMetric(cacheEntriesDesc, prometheus.GaugeValue, float64(s.Entries))
}
