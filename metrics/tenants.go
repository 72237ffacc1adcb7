package metrics

import (
	"slices"
	"sync"
	"time"
)

// Label values that are never a tenant's slug.
const (
	// OtherTenant labels the tenants outside the busiest.
	OtherTenant = "other"
	// NoTenant labels requests that no tenant served.
	NoTenant = "none"
)

// tenantLabels decides which tenants keep their slug as a label value: at
// most k at a time. It counts traffic in a space-saving summary of
// capacity entries (any tenant with more than 1/capacity of the traffic is
// in it, with its count overestimated by at most the smallest count), and
// every interval makes the summary's k largest the named set, then halves
// every count so that recent traffic weighs most. Until the first
// re-ranking fills it, the named set admits tenants as they come. It is
// safe for concurrent use.
type tenantLabels struct {
	k        int
	capacity int
	interval time.Duration
	now      func() time.Time

	mu     sync.Mutex
	counts summary             // at most capacity entries
	named  map[string]struct{} // at most k slugs
	next   time.Time           // when to re-rank
}

func newTenantLabels(k int, interval time.Duration, now func() time.Time) *tenantLabels {
	if now == nil {
		now = time.Now
	}
	return &tenantLabels{k: k, capacity: max(10*k, 100), interval: interval, now: now,
		counts: newSummary(), named: map[string]struct{}{}, next: now().Add(interval)}
}

// label counts one request of slug and returns its label value.
func (l *tenantLabels) label(slug string) string {
	if slug == "" {
		return NoTenant
	}
	if slug == OtherTenant || slug == NoTenant {
		return OtherTenant // a tenant so named would be mistaken for the buckets
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count(slug)
	if _, ok := l.named[slug]; ok {
		return slug
	}
	if len(l.named) < l.k {
		l.named[slug] = struct{}{}
		return slug
	}
	return OtherTenant
}

// count adds one to slug in the summary; when slug is new and the summary
// full, slug takes the place of the smallest entry and its count plus one.
func (l *tenantLabels) count(slug string) {
	switch {
	case l.counts.add(slug):
	case l.counts.len() < l.capacity:
		l.counts.insert(slug, 1)
	default:
		l.counts.replaceMin(slug)
	}
}

// due reports whether a re-ranking is due.
func (l *tenantLabels) due() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.now().Before(l.next)
}

// rerank makes the summary's k largest the named set and returns the slugs
// that lost their label.
func (l *tenantLabels) rerank() (dropped []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next = l.now().Add(l.interval)
	top := l.counts.sorted()
	named := make(map[string]struct{}, l.k)
	for _, s := range top[:min(l.k, len(top))] {
		named[s] = struct{}{}
	}
	// Places the summary leaves empty stay with the tenants that held
	// them, so that a quiet spell does not reset their series.
	for _, s := range sortedKeys(l.named) {
		if _, ok := named[s]; ok {
			continue
		}
		if len(named) < l.k {
			named[s] = struct{}{}
		} else {
			dropped = append(dropped, s)
		}
	}
	l.named = named
	l.counts.halve()
	return dropped
}

func sortedKeys(m map[string]struct{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
