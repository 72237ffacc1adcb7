package metrics

import (
	"cmp"
	"container/heap"
	"slices"
)

// summary is the space-saving algorithm's table: counts by slug in a
// min-heap, so that finding and replacing the smallest is O(log n). It is
// not safe for concurrent use.
type summary struct {
	bySlug map[string]*counted
	heap   countHeap
}

type counted struct {
	slug  string
	count uint64
	index int // in the heap
}

func newSummary() summary { return summary{bySlug: map[string]*counted{}} }

func (s *summary) len() int { return len(s.heap) }

// add counts one for slug if it is in the table, and reports whether it was.
func (s *summary) add(slug string) bool {
	if c, ok := s.bySlug[slug]; ok {
		c.count++
		heap.Fix(&s.heap, c.index)
		return true
	}
	return false
}

// insert puts slug in the table with count n.
func (s *summary) insert(slug string, n uint64) {
	c := &counted{slug: slug, count: n}
	s.bySlug[slug] = c
	heap.Push(&s.heap, c)
}

// replaceMin gives the smallest entry's place to slug, with that entry's
// count plus one (an empty table just takes slug with 1).
func (s *summary) replaceMin(slug string) {
	if len(s.heap) == 0 {
		s.insert(slug, 1)
		return
	}
	c := s.heap[0]
	delete(s.bySlug, c.slug)
	c.slug, c.count = slug, c.count+1
	s.bySlug[slug] = c
	heap.Fix(&s.heap, 0)
}

// sorted lists the slugs, largest count first, ties by slug.
func (s *summary) sorted() []string {
	all := slices.Clone(s.heap)
	slices.SortFunc(all, func(a, b *counted) int { return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(a.slug, b.slug)) })
	out := make([]string, len(all))
	for i, c := range all {
		out[i] = c.slug
	}
	return out
}

// halve halves every count and drops the entries that reach 0.
func (s *summary) halve() {
	kept := s.heap[:0]
	for _, c := range s.heap {
		if c.count /= 2; c.count == 0 {
			delete(s.bySlug, c.slug)
			continue
		}
		c.index = len(kept)
		kept = append(kept, c)
	}
	clear(s.heap[len(kept):])
	s.heap = kept
	heap.Init(&s.heap)
}

// countHeap is a min-heap of entries by count.
type countHeap []*counted

func (h countHeap) Len() int           { return len(h) }
func (h countHeap) Less(i, j int) bool { return h[i].count < h[j].count }
func (h countHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *countHeap) Push(x any) {
	c := x.(*counted)
	c.index = len(*h)
	*h = append(*h, c)
}
func (h *countHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return c
}
