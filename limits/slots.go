package limits

import (
	"context"
	"sync"
	"time"
)

// slots is a counting semaphore per key, each with its own capacity.
// Entries live while someone holds or waits for a slot, so the map stays as
// small as the number of keys busy at once.
type slots struct {
	mu   sync.Mutex
	keys map[int64]*slotSet
}

type slotSet struct {
	ch    chan struct{}
	users int // holders and waiters, under slots.mu
}

func newSlots() *slots { return &slots{keys: map[int64]*slotSet{}} }

// enter returns key's set of capacity n, counting the caller in. A set of
// another capacity (the plan changed) is replaced for newcomers; its
// holders release into it as before, so for a moment both count.
func (s *slots) enter(key int64, n int) *slotSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.keys[key]
	if set == nil || cap(set.ch) != n {
		set = &slotSet{ch: make(chan struct{}, n)}
		s.keys[key] = set
	}
	set.users++
	return set
}

// leave counts the caller out of set and forgets it when no one is left.
func (s *slots) leave(key int64, set *slotSet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set.users--
	if set.users == 0 && s.keys[key] == set {
		delete(s.keys, key)
	}
}

// acquire waits up to wait (0: not at all) for one of key's n slots. It
// returns the release function, or false when none came free in time or
// ctx ended.
func (s *slots) acquire(ctx context.Context, key int64, n int, wait time.Duration) (func(), bool) {
	set := s.enter(key, n)
	release := func() {
		<-set.ch
		s.leave(key, set)
	}
	select {
	case set.ch <- struct{}{}:
		return release, true
	default:
	}
	if wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case set.ch <- struct{}{}:
			return release, true
		case <-timer.C:
		case <-ctx.Done():
		}
	}
	s.leave(key, set)
	return nil, false
}

// busy returns how many of key's slots are taken.
func (s *slots) busy(key int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if set := s.keys[key]; set != nil {
		return len(set.ch)
	}
	return 0
}
