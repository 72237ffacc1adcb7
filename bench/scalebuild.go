package bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/provision"
)

// scaleItems is the number of items each tenant of Scale holds: a page.
const scaleItems = 20

// builder grows the scale benchmark's database, tenant t00001 on.
type builder struct {
	s      *session
	opts   ScaleOptions
	hash   string // the owners' password hash, made once
	signer *auth.Signer
	built  int // tenants in the database so far
}

func newBuilder(s *session, opts ScaleOptions) (*builder, error) {
	hash, err := auth.HashPassword("bench-owner-password")
	if err != nil {
		return nil, fmt.Errorf("bench: hash the owners' password: %w", err)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // never fails on Linux
	signer, err := auth.NewSigner(secret)
	if err != nil {
		return nil, err
	}
	return &builder{s: s, opts: opts, hash: hash, signer: signer}, nil
}

// growTo builds tenants up to n, at the migrations of set, opts.PerTx to a
// transaction with opts.Workers transactions at once.
func (b *builder) growTo(ctx context.Context, set *migrate.Set, n int) (ScaleBuild, error) {
	from := b.built + 1
	p := provision.New(b.s.pool, &provision.Config{TenantMigrations: set})
	start := time.Now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	for range b.opts.Workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				first := int(next.Add(int64(b.opts.PerTx))) - b.opts.PerTx
				if first > n {
					return
				}
				if err := b.buildChunk(ctx, p, first, min(first+b.opts.PerTx-1, n)); err != nil {
					cancel(err)
					return
				}
				b.s.logProgress(min(first+b.opts.PerTx-1, n)-from+1, n-from+1, start)
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return ScaleBuild{}, err
	}
	took := time.Since(start)
	b.built = n
	return ScaleBuild{Tenants: n, Took: took, Rate: perSecond(n-from+1, took)}, nil
}

// buildChunk makes tenants first..last in one transaction that does not
// wait for its commit to be flushed (a crash would lose the setup, nothing
// else), each with its owner (user 1) and scaleItems items.
//
// Each chunk has a connection of its own, closed after it. A PostgreSQL
// backend keeps in its caches every relation it has created; when the
// other builder's catalog writes overflow the shared invalidation queue,
// a backend resets and rebuilds all of its caches, so a long-lived builder
// connection slows down in proportion to the tenants it has made (the
// build fell from 7 to under 2 tenants a second by 5,000 tenants, two
// thirds of its time in invalidation). A fresh backend per chunk keeps the
// cost of a tenant flat.
func (b *builder) buildChunk(ctx context.Context, p *provision.Provisioner, first, last int) error {
	conn, err := pgx.ConnectConfig(ctx, b.s.pool.Config().ConnConfig)
	if err != nil {
		return fmt.Errorf("bench: connect a builder: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return err
		}
		for i := first; i <= last; i++ {
			req := tenantRequest("t", i)
			req.Admin = &provision.Admin{Username: "owner", Email: "owner@" + req.Domain, PasswordHash: b.hash}
			t, err := p.CreateTx(ctx, tx, req)
			if err != nil {
				return fmt.Errorf("bench: build tenant %s: %w", req.Slug, err)
			}
			_, err = tx.Exec(ctx, `INSERT INTO `+sqlquote.Ident(t.SchemaName, "items")+` (name, description, created_by)
				SELECT 'item ' || g, 'an item of the benchmark', 1 FROM generate_series(1, $1) g`, scaleItems)
			if err != nil {
				return fmt.Errorf("bench: fill tenant %s: %w", req.Slug, err)
			}
		}
		return nil
	})
}

// targets returns a target per tenant built: its host and a token of its
// owner.
func (b *builder) targets(ctx context.Context) ([]Target, error) {
	ts, err := b.s.registry().List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Target, 0, len(ts))
	for _, t := range ts {
		if len(t.Domains) == 0 {
			continue // the tenants made by the create timings come later
		}
		tok, _, err := b.signer.IssueForTenant(t, &auth.User{ID: 1, Username: "owner", Role: auth.RoleOwner})
		if err != nil {
			return nil, err
		}
		out = append(out, Target{Host: t.Domains[0], Token: tok})
	}
	return out, nil
}

// fleetOf is a fleet migrating with set.
func (s *session) fleetOf(set *migrate.Set) *fleet.Fleet {
	return fleet.New(s.pool, &fleet.Config{Tenant: set, Logger: s.cfg.Logger})
}
