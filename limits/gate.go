package limits

import (
	"context"
	"time"

	"github.com/tenantry/tenantry"
)

// GateConfig adjusts a Gate. A nil *GateConfig means the defaults.
type GateConfig struct {
	// Share caps every tenant's concurrent transactions through the gate,
	// whatever its plan says: set it below the pool's size so that no
	// tenant can ever hold the whole pool. Default 0: the plan's
	// max_transactions alone (none when the plan sets none).
	Share int
	// Wait is how long a transaction over its tenant's cap waits for a
	// slot before it is refused with a *BusyError. Default 1 second.
	Wait time.Duration
}

// Gate caps each tenant's concurrent database transactions at its plan's
// max_transactions (and at Share), in front of the pool, and gives each
// transaction its plan's statement_timeout. It implements
// tenantdb.Limiter: give one Gate to each pool's tenantdb.DB. It is safe
// for concurrent use.
type Gate struct {
	plans *Plans
	cfg   GateConfig
	slots *slots
}

// NewGate returns a gate reading the plans from plans.
func NewGate(plans *Plans, cfg *GateConfig) *Gate {
	c := GateConfig{}
	if cfg != nil {
		c = *cfg
	}
	if c.Wait == 0 {
		c.Wait = time.Second
	}
	return &Gate{plans: plans, cfg: c, slots: newSlots()}
}

// Admit waits up to Wait for one of t's transaction slots. Over the cap it
// returns a *BusyError (wrapping ErrLimited). When the plans cannot be
// read (the database is down), only Share applies: the transaction itself
// will report the outage.
func (g *Gate) Admit(ctx context.Context, t *tenantry.Tenant) (func(), time.Duration, error) {
	var timeout time.Duration
	n := g.cfg.Share
	if l, err := g.plans.For(ctx, t); err == nil {
		timeout = l.StatementTimeout
		if m := l.MaxTransactions; m > 0 && (n == 0 || m < n) {
			n = m
		}
	}
	if n <= 0 {
		return func() {}, timeout, nil
	}
	release, ok := g.slots.acquire(ctx, t.ID, n, g.cfg.Wait)
	if !ok {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		return nil, 0, &BusyError{Tenant: t.Slug, Max: n, RetryAfter: time.Second}
	}
	return release, timeout, nil
}

// Busy returns how many transactions of tenant id are admitted now.
func (g *Gate) Busy(id int64) int { return g.slots.busy(id) }
