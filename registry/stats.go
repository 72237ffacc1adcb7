package registry

// CacheStats counts the lookups a Registry has answered since it was made.
type CacheStats struct {
	Hits    uint64 // answered from the cache, including "no tenant has this host"
	Misses  uint64 // not in the cache (absent or expired entries)
	Reads   uint64 // database reads: concurrent misses of one host share one
	Entries int    // hosts cached now, expired ones included until evicted
}

// CacheStats returns the cache's counters. It is safe for concurrent use
// and cheap enough for every metrics scrape.
func (r *Registry) CacheStats() CacheStats {
	r.mu.RLock()
	n := len(r.hosts)
	r.mu.RUnlock()
	return CacheStats{Hits: r.hits.Load(), Misses: r.misses.Load(), Reads: r.reads.Load(), Entries: n}
}
