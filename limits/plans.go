package limits

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
)

// Config adjusts Plans. A nil *Config means the defaults.
type Config struct {
	// TTL is how long the plans read stay valid while the listener is
	// connected, a safety net behind the notifications. Default 1 minute.
	TTL time.Duration
	// FallbackTTL is their lifetime while the listener is not connected.
	// Default 1 second.
	FallbackTTL time.Duration
	// Logger receives listener events and failed reloads. Default: discard.
	Logger *slog.Logger
}

// Plans reads the plans from public.plans through an in-memory copy,
// refreshed when a plan changes (Listen) and at least every TTL. It is safe
// for concurrent use.
type Plans struct {
	pool      *pgxpool.Pool
	cfg       Config
	load      sync.Mutex // one reload at a time
	mu        sync.RWMutex
	plans     map[string]*Plan
	expires   time.Time
	gen       uint64 // bumped by every invalidation, under mu
	listening atomic.Bool
}

// NewPlans returns Plans reading from pool.
func NewPlans(pool *pgxpool.Pool, cfg *Config) *Plans {
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	c.TTL = cmp.Or(c.TTL, time.Minute)
	c.FallbackTTL = cmp.Or(c.FallbackTTL, time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Plans{pool: pool, cfg: c}
}

// For returns t's effective limits: its plan's, or the default plan's when
// t names none that exists, with t's own features over the plan's. It
// reads the database only when its copy of the plans is out of date; when
// that read fails, it goes on with the copy it has, if any.
func (p *Plans) For(ctx context.Context, t *tenantry.Tenant) (Limits, error) {
	plans, err := p.current(ctx)
	if err != nil {
		return Limits{}, err
	}
	if pl, ok := plans[t.Plan]; ok {
		return effective(pl, true, t.Features), nil
	}
	if pl, ok := plans[DefaultPlan]; ok {
		return effective(pl, false, t.Features), nil
	}
	return effective(&Plan{Name: DefaultPlan}, false, t.Features), nil
}

// current returns the plans, reloading them when they are out of date.
func (p *Plans) current(ctx context.Context) (map[string]*Plan, error) {
	p.mu.RLock()
	plans, fresh := p.plans, time.Now().Before(p.expires)
	p.mu.RUnlock()
	if plans != nil && fresh {
		return plans, nil
	}
	p.load.Lock()
	defer p.load.Unlock()
	p.mu.RLock()
	plans, fresh, gen := p.plans, time.Now().Before(p.expires), p.gen
	p.mu.RUnlock()
	if plans != nil && fresh {
		return plans, nil // reloaded while this call waited
	}
	loaded, err := p.read(ctx)
	if err != nil {
		if plans != nil {
			p.cfg.Logger.Warn("plans: reload failed; keeping the plans read before", "err", err)
			return plans, nil
		}
		return nil, err
	}
	p.store(loaded, gen)
	return loaded, nil
}

func (p *Plans) read(ctx context.Context) (map[string]*Plan, error) {
	list, err := ListPlans(ctx, p.pool)
	if err != nil {
		return nil, fmt.Errorf("read plans: %w", err)
	}
	out := make(map[string]*Plan, len(list))
	for _, pl := range list {
		out[pl.Name] = pl
	}
	return out, nil
}

// store keeps plans read at generation gen; when an invalidation came in
// meanwhile they are kept but already out of date.
func (p *Plans) store(plans map[string]*Plan, gen uint64) {
	ttl := p.cfg.FallbackTTL
	if p.listening.Load() {
		ttl = p.cfg.TTL
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.plans = plans
	p.expires = time.Now().Add(ttl)
	if p.gen != gen {
		p.expires = time.Time{}
	}
}

// Invalidate makes the next For read the plans again.
func (p *Plans) Invalidate() {
	p.mu.Lock()
	p.gen++
	p.expires = time.Time{}
	p.mu.Unlock()
}
