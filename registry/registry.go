package registry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/singleflight"

	"github.com/tenantry/tenantry"
)

// Config adjusts a Registry. A nil *Config means the defaults.
type Config struct {
	// TTL is how long a cached host stays valid while the listener is
	// connected, a safety net behind the notifications. Default 1 minute.
	TTL time.Duration
	// FallbackTTL is the cache lifetime while the listener is not connected.
	// Default 1 second.
	FallbackTTL time.Duration
	// NegativeTTL is how long "no tenant has this host" is remembered.
	// Default 5 seconds.
	NegativeTTL time.Duration
	// MaxEntries bounds the cache; when it is full the cache is emptied, so
	// a flood of made-up hosts cannot grow memory. Default 100,000.
	MaxEntries int
	// Logger receives listener events. Default: discard.
	Logger *slog.Logger
	// PurgeAfter is how long a terminated tenant's data is kept before it
	// may be purged (SetStatus). Default 30 days.
	PurgeAfter time.Duration
}

// DefaultPurgeAfter is Config.PurgeAfter's default: 30 days.
const DefaultPurgeAfter = 30 * 24 * time.Hour

// Registry looks tenants up in public.tenants and public.domains through a
// cache. It is safe for concurrent use.
type Registry struct {
	pool      *pgxpool.Pool
	cfg       Config
	mu        sync.RWMutex
	hosts     map[string]entry
	gen       uint64 // bumped by every invalidation, under mu
	listening atomic.Bool
	now       func() time.Time
	flights   singleflight.Group // one database read per host and generation
	hits      atomic.Uint64      // lookups answered from the cache
	misses    atomic.Uint64      // lookups the cache could not answer
	reads     atomic.Uint64      // database reads of those misses
}

type entry struct {
	tenant  *tenantry.Tenant // nil: no tenant has this host
	expires time.Time
}

// New returns a Registry reading from pool.
func New(pool *pgxpool.Pool, cfg *Config) *Registry {
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	c.TTL = cmp.Or(c.TTL, time.Minute)
	c.FallbackTTL = cmp.Or(c.FallbackTTL, time.Second)
	c.NegativeTTL = cmp.Or(c.NegativeTTL, 5*time.Second)
	c.MaxEntries = cmp.Or(c.MaxEntries, 100_000)
	c.PurgeAfter = cmp.Or(c.PurgeAfter, DefaultPurgeAfter)
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Registry{pool: pool, cfg: c, hosts: map[string]entry{}, now: time.Now}
}

// Lookup returns the tenant that owns host, which must already be
// normalised (tenantry.NormalizeHost). The tenant is shared with other
// callers: treat it as read-only. The error wraps tenantry.ErrTenantNotFound
// when no tenant has the host.
func (r *Registry) Lookup(ctx context.Context, host string) (*tenantry.Tenant, error) {
	if t, ok := r.cached(host); ok {
		r.hits.Add(1)
		if t == nil {
			return nil, fmt.Errorf("host %s: %w", host, tenantry.ErrTenantNotFound)
		}
		return t, nil
	}
	r.misses.Add(1)
	gen := r.generation()
	// Concurrent misses of one host share one read, so a burst of requests
	// for a host just evicted (a plan change, a suspension lifted) costs
	// one query rather than one per request. A read is shared only within
	// one generation: a lookup that starts after an invalidation never
	// takes the answer of a read that began before it.
	key := strconv.FormatUint(gen, 10) + "/" + host
	ch := r.flights.DoChan(key, func() (any, error) {
		// Detached from the first caller's cancellation, which must not
		// fail the others; bounded all the same.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupTimeout)
		defer cancel()
		return r.read(rctx, host, gen)
	})
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("look up host %s: %w", host, ctx.Err())
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*tenantry.Tenant), nil
	}
}

// lookupTimeout bounds one shared read of a host.
const lookupTimeout = 10 * time.Second

// read looks host up in the database and caches the answer.
func (r *Registry) read(ctx context.Context, host string, gen uint64) (*tenantry.Tenant, error) {
	r.reads.Add(1)
	t, err := byHost(ctx, r.pool, host)
	switch {
	case err == nil:
		r.store(host, t, r.ttl(), gen)
		return t, nil
	case errors.Is(err, tenantry.ErrTenantNotFound):
		r.store(host, nil, min(r.cfg.NegativeTTL, r.ttl()), gen)
		return nil, fmt.Errorf("host %s: %w", host, err)
	default:
		return nil, fmt.Errorf("look up host %s: %w", host, err)
	}
}

func (r *Registry) ttl() time.Duration {
	if r.listening.Load() {
		return r.cfg.TTL
	}
	return r.cfg.FallbackTTL
}

func (r *Registry) cached(host string) (*tenantry.Tenant, bool) {
	r.mu.RLock()
	e, ok := r.hosts[host]
	r.mu.RUnlock()
	if !ok || r.now().After(e.expires) {
		return nil, false
	}
	return e.tenant, true
}

func (r *Registry) generation() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.gen
}

// store caches an answer read from the database, unless an invalidation
// arrived while it was being read (gen moved on): the answer may predate it.
func (r *Registry) store(host string, t *tenantry.Tenant, ttl time.Duration, gen uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gen != gen {
		return
	}
	if len(r.hosts) >= r.cfg.MaxEntries {
		clear(r.hosts)
	}
	r.hosts[host] = entry{tenant: t, expires: r.now().Add(ttl)}
}

// Invalidate drops what the cache knows of tenant id, and every remembered
// "no tenant" answer, since a new domain may have been added.
func (r *Registry) Invalidate(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gen++
	for host, e := range r.hosts {
		if e.tenant == nil || e.tenant.ID == id {
			delete(r.hosts, host)
		}
	}
}

// InvalidateAll empties the cache.
func (r *Registry) InvalidateAll() {
	r.mu.Lock()
	r.gen++
	clear(r.hosts)
	r.mu.Unlock()
}

// Find is the package function Find on the registry's pool, bypassing the
// cache.
func (r *Registry) Find(ctx context.Context, ref string) (*tenantry.Tenant, error) {
	return Find(ctx, r.pool, ref)
}

// List is the package function List on the registry's pool.
func (r *Registry) List(ctx context.Context) ([]*tenantry.Tenant, error) {
	return List(ctx, r.pool)
}
