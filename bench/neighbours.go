package bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"time"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/examples/items"
	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
)

// NeighboursOptions adjust the noisy-neighbour benchmark. Zero fields take
// the defaults.
type NeighboursOptions struct {
	// Rate is the noisy tenant's plan: requests per second (and burst).
	// Default 100.
	Rate float64
	// Factor is how many times its rate the noisy tenant sends. Default 20.
	Factor float64
	// QuietRate is what the quiet tenant sends, within its plan. Default 50.
	QuietRate float64
	// Transactions is the plans' max_transactions. Default 2.
	Transactions int
	// Warmup is how long each phase runs before its requests are counted.
	// Default 1 s.
	Warmup time.Duration
	// Duration is each phase's length, after the warm-up. Default 10 s.
	Duration time.Duration
}

func (o NeighboursOptions) withDefaults() NeighboursOptions {
	if o.Rate <= 0 {
		o.Rate = 100
	}
	if o.Factor <= 0 {
		o.Factor = 20
	}
	if o.QuietRate <= 0 {
		o.QuietRate = 50
	}
	if o.Transactions <= 0 {
		o.Transactions = 2
	}
	if o.Warmup <= 0 {
		o.Warmup = time.Second
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	return o
}

// NeighboursPhase is one tenant's figures in one phase.
type NeighboursPhase struct {
	Phase  string
	Tenant string
	Paced
}

// NeighboursResult holds the benchmark's figures.
type NeighboursResult struct{ Phases []NeighboursPhase }

// Neighbours measures what a noisy tenant sending Factor times its plan's
// rate does to a quiet tenant's latency: GET /api/items/ of the reference
// server, the quiet tenant alone, then beside the noisy one with the plans
// enforced, then beside it with the plans' limits lifted. Both tenants'
// p50/p99 are printed for each phase. The clients run in this process,
// at a fixed pace (open loop), over loopback HTTP; each phase's first
// Warmup is sent but not counted.
func Neighbours(ctx context.Context, cfg *Config, opts NeighboursOptions) (res *NeighboursResult, err error) {
	opts = opts.withDefaults()
	s, err := start(ctx, cfg, serverConns)
	if err != nil {
		return nil, err
	}
	defer s.end(ctx, &err)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // never fails on Linux
	signer, err := auth.NewSigner(secret)
	if err != nil {
		return nil, err
	}
	p := provision.New(s.pool, &provision.Config{TenantMigrations: items.TenantSet()})
	db := tenantdb.New(s.pool, nil)
	var targets [2]Target
	for i := range targets {
		t, tok, err := httpTenant(ctx, p, db, signer, i+1, 20)
		if err != nil {
			return nil, err
		}
		targets[i] = Target{Host: t.Domains[0], Token: tok}
	}
	noisy, quiet := targets[0], targets[1]
	url, stop, err := s.serveLimited(ctx, signer)
	if err != nil {
		return nil, err
	}
	defer stop()
	res = &NeighboursResult{}
	phases := []struct {
		name   string
		noisy  bool
		limits bool
	}{{"quiet alone", false, true}, {"noisy at " + fmt.Sprint(opts.Factor) + "x, plans enforced", true, true},
		{"noisy at " + fmt.Sprint(opts.Factor) + "x, plans lifted (share cap only)", true, false}}
	for _, ph := range phases {
		if err := s.setNeighbourPlans(ctx, opts, ph.limits); err != nil {
			return nil, err
		}
		time.Sleep(2 * time.Second) // the server re-reads plans within a second
		runs := []PaceSpec{{URL: url, Target: quiet, Rate: opts.QuietRate, Warmup: opts.Warmup, Duration: opts.Duration}}
		if ph.noisy {
			runs = append(runs, PaceSpec{URL: url, Target: noisy, Rate: opts.Rate * opts.Factor, Warmup: opts.Warmup,
				Duration: opts.Duration})
		}
		out := paceAll(ctx, runs)
		res.Phases = append(res.Phases, NeighboursPhase{Phase: ph.name, Tenant: "quiet", Paced: out[0]})
		if ph.noisy {
			res.Phases = append(res.Phases, NeighboursPhase{Phase: ph.name, Tenant: "noisy", Paced: out[1]})
		}
	}
	res.print(s.cfg.Out, opts)
	return res, nil
}

// setNeighbourPlans puts both tenants on a plan of opts' limits, or of
// none.
func (s *session) setNeighbourPlans(ctx context.Context, opts NeighboursOptions, on bool) error {
	plan := limits.Plan{Name: "bench"}
	if on {
		plan.Rate, plan.MaxTransactions = opts.Rate, opts.Transactions
	}
	if _, err := limits.SavePlan(ctx, s.pool, plan); err != nil {
		return err
	}
	for _, slug := range []string{"http0001", "http0002"} {
		if _, err := limits.AssignPlan(ctx, s.pool, slug, "bench"); err != nil {
			return err
		}
	}
	return nil
}

// serveLimited starts the reference server with the plans enforced, as
// serve runs it, on a loopback port, and returns the items list's URL.
func (s *session) serveLimited(ctx context.Context, signer *auth.Signer) (string, func(), error) {
	reg := registry.New(s.pool, nil)
	plans := limits.NewPlans(s.pool, nil)
	db := tenantdb.New(s.pool, &tenantdb.Config{Limiter: limits.NewGate(plans, &limits.GateConfig{Share: serverConns / 2})})
	h, err := api.NewHandler(&api.Config{Pool: s.pool, Resolver: reg, DB: db, Signer: signer,
		Routes: []func(*api.Routes) error{items.Register}, RateLimiter: limits.NewRateLimiter(plans, nil)})
	if err != nil {
		return "", nil, err
	}
	addr, stopServer, err := serveLoopback(h)
	if err != nil {
		return "", nil, err
	}
	lctx, cancel := context.WithCancel(ctx)
	go func() { _ = reg.Listen(lctx, s.db.URL) }()   // returns when lctx ends
	go func() { _ = plans.Listen(lctx, s.db.URL) }() // returns when lctx ends
	return "http://" + addr + "/api/items/", func() { cancel(); stopServer() }, nil
}

func (r *NeighboursResult) print(out io.Writer, opts NeighboursOptions) {
	fmt.Fprintf(out, "\nGET /api/items/ (20 rows): the noisy tenant's plan allows %s (burst %d) and %d transactions;\n"+
		"it sends %s; the quiet tenant sends %s. Clients in this process, paced, over loopback;\n"+
		"each phase counts %s after a warm-up of %s.\n",
		limits.FormatRate(opts.Rate), int(opts.Rate), opts.Transactions, limits.FormatRate(opts.Rate*opts.Factor),
		limits.FormatRate(opts.QuietRate), opts.Duration, opts.Warmup)
	t := newTable(out)
	t.row("phase", "tenant", "sent/s", "200", "429", "other", "p50", "p99")
	for _, p := range r.Phases {
		t.row(p.Phase, p.Tenant, fmt.Sprintf("%.0f", perSecond(p.Sent, p.Elapsed)), p.OK, p.Limited, p.Other+p.Dropped,
			ms(p.P50), ms(p.P99))
	}
	t.flush()
	fmt.Fprintln(out, "p50/p99 are of every answer (a 429 included); \"other\" counts errors and requests the pacer could not send.")
}
