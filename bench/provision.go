package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/provision"
)

// DefaultTenants is the number of tenants Provision times by default.
const DefaultTenants = 20

// adminRuns is the number of tenants created with an admin user, timed
// apart from the others because the argon2id hash dominates them.
const adminRuns = 3

// ProvisionTarget is docs/design.md's target for the median cold provisioning.
const ProvisionTarget = 250 * time.Millisecond

// ColdOverRawTarget is the most, in percent, cold provisioning may take
// over the raw DDL of the tenant set (p50 against p50).
const ColdOverRawTarget = 15.0

// SpareTarget is docs/design.md's target for the median provisioning from the
// spare pool.
const SpareTarget = 10 * time.Millisecond

// ProvisionResult holds the figures of Provision.
type ProvisionResult struct {
	Tables    int           // tables of the synthetic application
	Cold      Stats         // tenants provisioned cold (no spare schema), no admin user
	Spare     Stats         // tenants provisioned from the spare pool, no admin user
	RawDDL    Stats         // the tenant set's SQL alone in a new schema, committed
	WithAdmin Stats         // tenants provisioned cold with an admin user
	Hash      Stats         // one argon2id password hash
	Fill      time.Duration // filling the spare pool before the spare run (not in Spare)
	Spares    int           // spares made by the fill
}

// Provision creates a database, then provisions tenants (default
// DefaultTenants) one after another, no admin user, both ways: cold (a new
// schema migrated with the reference tenant set and a synthetic application
// of Config.Tables tables) and from the spare pool, which is filled first,
// untimed, with a spare for each. Cold and spare creates alternate, so that
// both see the database alike. One tenant of each kind is provisioned first
// to warm the connection and is not counted. It also times the set's raw
// DDL, a few cold tenants with an admin user and the argon2id hash alone,
// prints the figures against ProvisionTarget and SpareTarget to Config.Out
// and returns them. The database is dropped at the end unless Config.Keep;
// an error dropping it is returned with the figures.
func Provision(ctx context.Context, cfg *Config, tenants int) (res *ProvisionResult, err error) {
	tenants = orDefault(tenants, DefaultTenants)
	s, err := start(ctx, cfg, 2)
	if err != nil {
		return nil, err
	}
	defer s.end(ctx, &err)
	set, err := appSet(s.cfg.Tables)
	if err != nil {
		return nil, err
	}
	res = &ProvisionResult{Tables: s.cfg.Tables}
	if err := s.measureProvision(ctx, set, tenants, res); err != nil {
		return nil, err
	}
	res.print(s.cfg.Out)
	return res, nil
}

// measureProvision fills res: the pool, the warm-ups, the cold and spare
// tenants interleaved with the raw DDL runs (so that all see the machine
// alike), the tenants with an admin user and the hash.
func (s *session) measureProvision(ctx context.Context, set *migrate.Set, tenants int, res *ProvisionResult) error {
	cold := provision.New(s.pool, &provision.Config{TenantMigrations: set})
	spare := newSpareRun(s.pool, set, tenants+1)
	start := time.Now()
	n, err := spare.p.Refill(ctx)
	if err != nil {
		return fmt.Errorf("bench: fill the spare pool: %w", err)
	}
	res.Fill, res.Spares = time.Since(start), n
	if _, err := timeCreate(ctx, cold, 0, false); err != nil {
		return err
	}
	if _, err := spare.timeCreate(ctx, 0); err != nil {
		return err
	}
	if err := timeBoth(ctx, cold, spare, s.pool, set, tenants, res); err != nil {
		return err
	}
	if res.WithAdmin, err = timeAdmins(ctx, cold, tenants+1, adminRuns); err != nil {
		return err
	}
	res.Hash, err = timeHash(adminRuns)
	return err
}

// timeBoth provisions tenants 1..n one at a time, each cold then from a
// spare, then times the raw DDL once: the cold creates and the raw DDL,
// compared median against median, get as many runs each, taken in turns.
func timeBoth(ctx context.Context, cold *provision.Provisioner, spare *spareRun, pool *pgxpool.Pool, set *migrate.Set, n int, res *ProvisionResult) error {
	var cs, ss, rs []time.Duration
	for i := 1; i <= n; i++ {
		d, err := timeCreate(ctx, cold, i, false)
		if err != nil {
			return err
		}
		cs = append(cs, d)
		if d, err = spare.timeCreate(ctx, i); err != nil {
			return err
		}
		ss = append(ss, d)
		if d, err = timeRawDDL(ctx, pool, set, i); err != nil {
			return err
		}
		rs = append(rs, d)
	}
	res.Cold, res.Spare, res.RawDDL = summarize(cs), summarize(ss), summarize(rs)
	return nil
}

// spareRun provisions from a spare pool and checks that each tenant did come
// from a spare.
type spareRun struct {
	p       *provision.Provisioner
	claimed atomic.Int64
}

func newSpareRun(pool *pgxpool.Pool, set *migrate.Set, spares int) *spareRun {
	r := &spareRun{}
	r.p = provision.New(pool, &provision.Config{TenantMigrations: set, Spares: spares,
		OnClaim: func(context.Context, pgx.Tx, provision.Claim) error {
			r.claimed.Add(1)
			return nil
		}})
	return r
}

// timeCreate provisions tenant i of the spare run (slug s00042) and returns
// how long it took, or an error if it was not made from a spare.
func (r *spareRun) timeCreate(ctx context.Context, i int) (time.Duration, error) {
	req := tenantRequest("s", i)
	before := r.claimed.Load()
	start := time.Now()
	if _, err := r.p.Create(ctx, req); err != nil {
		return 0, fmt.Errorf("bench: provision tenant %s from a spare: %w", req.Slug, err)
	}
	d := time.Since(start)
	if r.claimed.Load() == before {
		return 0, fmt.Errorf("bench: tenant %s was provisioned cold: the spare pool ran dry", req.Slug)
	}
	return d, nil
}

// timeAdmins provisions n tenants numbered from first, each with an admin
// user, one at a time.
func timeAdmins(ctx context.Context, p *provision.Provisioner, first, n int) (Stats, error) {
	ds := make([]time.Duration, 0, n)
	for i := first; i < first+n; i++ {
		d, err := timeCreate(ctx, p, i, true)
		if err != nil {
			return Stats{}, err
		}
		ds = append(ds, d)
	}
	return summarize(ds), nil
}

// timeCreate provisions tenant i (slug b00042) and returns how long it took.
func timeCreate(ctx context.Context, p *provision.Provisioner, i int, admin bool) (time.Duration, error) {
	req := tenantRequest("b", i)
	if admin {
		req.Admin = &provision.Admin{Username: "owner", Email: "owner@" + req.Domain, Password: "bench-owner-password"}
	}
	start := time.Now()
	if _, err := p.Create(ctx, req); err != nil {
		return 0, fmt.Errorf("bench: provision tenant %s: %w", req.Slug, err)
	}
	return time.Since(start), nil
}

// tenantRequest is the request for the benchmark's tenant i, its slug
// prefix followed by i: b00042.
func tenantRequest(prefix string, i int) provision.Request {
	slug := fmt.Sprintf("%s%05d", prefix, i)
	return provision.Request{Slug: slug, Name: "Bench tenant " + slug, Domain: slug + ".bench.test"}
}
