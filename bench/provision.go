package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/provision"
)

// DefaultTenants is the number of tenants Provision times by default.
const DefaultTenants = 20

// adminRuns is the number of tenants created with an admin user, timed
// apart from the others because the argon2id hash dominates them.
const adminRuns = 3

// rawRuns is the number of times the tenant set's raw DDL is timed.
const rawRuns = 5

// ProvisionTarget is DESIGN.md's target for the median cold provisioning.
const ProvisionTarget = 250 * time.Millisecond

// ProvisionResult holds the figures of Provision.
type ProvisionResult struct {
	Tables    int   // tables of the synthetic application
	Cold      Stats // tenants provisioned cold (no spare schema), no admin user
	RawDDL    Stats // the tenant set's SQL alone in a new schema, committed
	WithAdmin Stats // tenants provisioned cold with an admin user
	Hash      Stats // one argon2id password hash
}

// Provision creates a database, then provisions tenants (default
// DefaultTenants) one after another with no admin user, each cold: a new
// schema migrated with the reference tenant set and a synthetic application
// of Config.Tables tables. One tenant is provisioned first to warm the
// connection and is not counted. It also times the set's raw DDL, a few
// tenants with an admin user and the argon2id hash alone, prints the figures
// against ProvisionTarget to Config.Out and returns them. The database is
// dropped at the end unless Config.Keep; an error dropping it is returned
// with the figures.
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

// measureProvision fills res: the warm-up, the cold tenants interleaved
// with the raw DDL runs (so that both see the machine alike), the tenants
// with an admin user and the hash.
func (s *session) measureProvision(ctx context.Context, set *migrate.Set, tenants int, res *ProvisionResult) error {
	p := provision.New(s.pool, &provision.Config{TenantMigrations: set})
	if _, err := timeCreate(ctx, p, 0, false); err != nil {
		return err
	}
	var err error
	if res.Cold, res.RawDDL, err = timeCold(ctx, p, s.pool, set, tenants); err != nil {
		return err
	}
	if res.WithAdmin, err = timeAdmins(ctx, p, tenants+1, adminRuns); err != nil {
		return err
	}
	res.Hash, err = timeHash(adminRuns)
	return err
}

// timeCold provisions tenants 1..n one at a time, with a raw DDL run after
// every n/rawRuns of them.
func timeCold(ctx context.Context, p *provision.Provisioner, pool *pgxpool.Pool, set *migrate.Set, n int) (cold, raw Stats, err error) {
	every := max(n/rawRuns, 1)
	var cs, rs []time.Duration
	for i := 1; i <= n; i++ {
		d, err := timeCreate(ctx, p, i, false)
		if err != nil {
			return cold, raw, err
		}
		cs = append(cs, d)
		if i%every == 0 && len(rs) < rawRuns {
			if d, err = timeRawDDL(ctx, pool, set, i); err != nil {
				return cold, raw, err
			}
			rs = append(rs, d)
		}
	}
	return summarize(cs), summarize(rs), nil
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
	req := tenantRequest(i)
	if admin {
		req.Admin = &provision.Admin{Username: "owner", Email: "owner@" + req.Domain, Password: "bench-owner-password"}
	}
	start := time.Now()
	if _, err := p.Create(ctx, req); err != nil {
		return 0, fmt.Errorf("bench: provision tenant %s: %w", req.Slug, err)
	}
	return time.Since(start), nil
}

// tenantRequest is the request for the benchmark's tenant i.
func tenantRequest(i int) provision.Request {
	slug := fmt.Sprintf("b%05d", i)
	return provision.Request{Slug: slug, Name: "Bench tenant " + slug, Domain: slug + ".bench.test"}
}
