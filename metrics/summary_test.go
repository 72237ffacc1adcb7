package metrics

import (
	"slices"
	"testing"
)

func TestSummaryKeepsTheHeavyHitters(t *testing.T) {
	t.Parallel()
	l := newTenantLabels(2, 0, nil)
	l.capacity = 4
	stream := []string{"a", "b", "c", "d", "e", "a", "f", "a", "g", "b", "h", "a", "b", "i", "a"}
	for _, s := range stream {
		l.count(s)
	}
	if l.counts.len() != 4 {
		t.Fatalf("summary holds %d entries, want its capacity 4", l.counts.len())
	}
	if top := l.counts.sorted()[:2]; !slices.Equal(top, []string{"a", "b"}) {
		t.Fatalf("busiest %v, want [a b]", top)
	}
	// Every count is at least the true count (space-saving overestimates).
	if c := l.counts.bySlug["a"].count; c < 5 {
		t.Fatalf("a counted %d, want at least its 5 requests", c)
	}
	l.counts.halve()
	for i, c := range l.counts.heap {
		if c.index != i || l.counts.bySlug[c.slug] != c || c.count == 0 {
			t.Fatalf("after halve, entry %d is %+v", i, c)
		}
	}
}
