package bench

import (
	"fmt"
	"slices"
	"time"
)

// Stats sums up a list of durations.
type Stats struct {
	N   int
	P50 time.Duration
	P90 time.Duration
	P99 time.Duration
	Min time.Duration
	Max time.Duration
}

// summarize returns the statistics of ds (nearest-rank percentiles); the
// zero Stats for an empty list.
func summarize(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return Stats{N: len(s), P50: rank(s, 50), P90: rank(s, 90), P99: rank(s, 99), Min: s[0], Max: s[len(s)-1]}
}

// rank is the nearest-rank p-th percentile of sorted.
func rank(sorted []time.Duration, p int) time.Duration {
	i := (p*len(sorted) + 99) / 100 // ceil(p/100 * n), 1-based
	return sorted[max(i, 1)-1]
}

// String renders s as "p50=180.2 ms  p90=220.1 ms  min=... max=...".
func (s Stats) String() string {
	return fmt.Sprintf("p50=%s  p90=%s  min=%s  max=%s", ms(s.P50), ms(s.P90), ms(s.Min), ms(s.Max))
}

// ms renders d in milliseconds with one decimal.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// secs renders d in seconds with two decimals.
func secs(d time.Duration) string {
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// perSecond is n divided by d, 0 for a zero d.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// verdict is "ok" when met, else "MISSED".
func verdict(met bool) string {
	if met {
		return "ok"
	}
	return "MISSED"
}
