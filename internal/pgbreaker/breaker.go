package pgbreaker

import (
	"cmp"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/tenantry/tenantry/internal/pgerr"
)

// Config adjusts a Breaker. A nil *Config means the defaults.
type Config struct {
	// MinBackoff is the wait after the first failed connection attempt.
	// Default 100ms.
	MinBackoff time.Duration
	// MaxBackoff caps the wait, which doubles after every failed probe, and
	// so bounds how long the server answers 503 after the database is back.
	// Default 1s.
	MaxBackoff time.Duration
	// SummaryEvery is how often a summary is logged while the database
	// stays unreachable. Default 10s.
	SummaryEvery time.Duration
	// Logger receives the outage's warnings and its end. Default: discard.
	Logger *slog.Logger
}

// Breaker fails connection attempts fast while the database is
// unreachable; see the package documentation. It is safe for concurrent
// use.
type Breaker struct {
	cfg Config
	now func() time.Time

	mu           sync.Mutex
	down         bool
	since        time.Time // when the outage began
	until        time.Time // no probe before this
	backoff      time.Duration
	probing      bool
	probeExpires time.Time // a probe still running then no longer blocks the next
	probeGen     uint64
	lastErr      error
	lastSummary  time.Time
	refused      int64 // during this outage
	refusedSince int64 // since the last summary
	stats        Stats
}

// errRefused is the error of an attempt the breaker refused.
var errRefused = fmt.Errorf("connection not attempted: %w", pgerr.ErrUnavailable)

// Stats counts a Breaker's work since it was made.
type Stats struct {
	Down     bool  // the breaker is open: the database was unreachable at the last attempt
	Outages  int64 // times it opened
	Refused  int64 // connection attempts refused without dialling
	Probes   int64 // attempts let through while open
	Attempts int64 // connection attempts let through, probes included
}

// New returns a closed Breaker configured by cfg.
func New(cfg *Config) *Breaker {
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	c.MinBackoff = cmp.Or(c.MinBackoff, 100*time.Millisecond)
	c.MaxBackoff = max(cmp.Or(c.MaxBackoff, time.Second), c.MinBackoff)
	c.SummaryEvery = cmp.Or(c.SummaryEvery, 10*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return &Breaker{cfg: c, now: time.Now}
}

// Stats returns the breaker's counters.
func (b *Breaker) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stats
	s.Down = b.down
	return s
}

// admit decides whether attempt a may look up and dial; a is nil for a
// dial outside a connection attempt, such as a query's cancel request.
func (b *Breaker) admit(a *attempt) error {
	switch {
	case a == nil:
	case a.admitted:
		return nil // a later host or address of an admitted attempt
	case a.refused:
		return errRefused
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if b.down && (now.Before(b.until) || (b.probing && now.Before(b.probeExpires))) {
		if a != nil {
			a.refused = true
			b.refused++
			b.refusedSince++
			b.stats.Refused++
		}
		return errRefused
	}
	if a == nil {
		return nil
	}
	a.admitted = true
	b.stats.Attempts++
	if b.down {
		b.probeGen++
		a.probe, a.probeGen = true, b.probeGen
		b.probing, b.probeExpires = true, now.Add(2*b.cfg.MaxBackoff)
		b.stats.Probes++
	}
	return nil
}

// finish records how admitted attempt a ended.
func (b *Breaker) finish(a *attempt, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	current := a.probe && a.probeGen == b.probeGen
	if current {
		b.probing = false
	}
	switch {
	case !pgerr.Unavailable(err):
		// Connected, or refused for a reason (a password, a missing
		// database) that says the server is up.
		b.closeLocked()
	case a.probe && !current:
		// A probe overtaken by a later one, or by the end of the outage.
	case !b.down:
		b.openLocked(err)
	case current:
		b.backoff = min(2*b.backoff, b.cfg.MaxBackoff)
		b.waitLocked(err)
		b.summarizeLocked()
	}
	// Otherwise an attempt begun before the outage was noticed failed: the
	// wait it would start already runs.
}

// openLocked starts an outage after the failed attempt's err.
func (b *Breaker) openLocked(err error) {
	now := b.now()
	b.down, b.since, b.lastSummary = true, now, now
	b.refused, b.refusedSince = 0, 0
	b.backoff = b.cfg.MinBackoff
	b.stats.Outages++
	b.waitLocked(err)
	b.cfg.Logger.Warn("database unavailable; new connections back off",
		"err", pgerr.Describe(err), "retry_in", b.until.Sub(now).Round(time.Millisecond))
}

// waitLocked starts a wait of the current backoff, drawn from its upper
// half.
func (b *Breaker) waitLocked(err error) {
	half := b.backoff / 2
	b.until = b.now().Add(half + rand.N(half+1))
	b.lastErr = err
}

// summarizeLocked logs how the outage goes, once every SummaryEvery.
func (b *Breaker) summarizeLocked() {
	now := b.now()
	if now.Sub(b.lastSummary) < b.cfg.SummaryEvery {
		return
	}
	b.cfg.Logger.Warn("database still unavailable", "down_for", now.Sub(b.since).Round(time.Millisecond),
		"refused", b.refusedSince, "err", pgerr.Describe(b.lastErr))
	b.lastSummary, b.refusedSince = now, 0
}

// closeLocked ends the outage, if there is one.
func (b *Breaker) closeLocked() {
	if !b.down {
		return
	}
	b.down, b.probing = false, false
	b.probeGen++ // a probe still running is no longer current
	b.cfg.Logger.Info("database back", "down_for", b.now().Sub(b.since).Round(time.Millisecond), "refused", b.refused)
}
