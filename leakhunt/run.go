package leakhunt

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

// hunt is one run: its tenants, its server and what the clients share.
type hunt struct {
	cfg        Config
	pool       *pgxpool.Pool
	db         *tenantdb.DB
	tenants    []*tenant
	signer     *auth.Signer
	watch      *logWatch
	addr, base string // the server's address, and its URL
	http       *http.Client
	loginRole  string // the pool's role outside tenant transactions
	searchPath string // the pool's search_path outside tenant transactions
}

// Run creates cfg.Tenants tenants in the database at cfg.URL, serves the
// reference API on a loopback port, gives a user of every role of every
// tenant an access token, and then drives cfg.Clients concurrent clients
// through random actions for cfg.Duration, in this process. It returns the
// report of what the clients did and found; an error only when the hunt
// could not be set up. The tenants stay in the database.
func Run(ctx context.Context, cfg *Config) (*Report, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	pool, err := openPool(ctx, &c)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	h := &hunt{cfg: c, pool: pool, db: tenantdb.New(pool, &tenantdb.Config{DisableRoles: c.DisableRoles}), watch: newLogWatch()}
	err = pool.QueryRow(ctx, "SELECT current_user::text, current_setting('search_path')").Scan(&h.loginRole, &h.searchPath)
	if err != nil {
		return nil, fmt.Errorf("leakhunt: read the login's settings: %w", err)
	}
	c.Logger.Info("creating tenants", "tenants", c.Tenants, "items", c.Items)
	if err := h.createTenants(ctx); err != nil {
		return nil, err
	}
	stop, err := h.serve(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	if err := h.issueTokens(); err != nil {
		return nil, err
	}
	return h.run(ctx, stop), nil
}

func openPool(ctx context.Context, c *Config) (*pgxpool.Pool, error) {
	pcfg, err := pgxpool.ParseConfig(c.URL)
	if err != nil {
		return nil, fmt.Errorf("leakhunt: parse Config.URL: %w", err)
	}
	pcfg.MaxConns = int32(c.PoolConns)
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("leakhunt: open pool: %w", err)
	}
	return pool, nil
}

// run drives the clients, stops the server with stop and sums up.
func (h *hunt) run(ctx context.Context, stop func()) *Report {
	h.cfg.Logger.Info("hunting", "clients", h.cfg.Clients, "duration", h.cfg.Duration, "seed", h.cfg.Seed)
	opened := h.pool.Stat().NewConnsCount()
	total, elapsed := h.drive(ctx)
	opened = h.pool.Stat().NewConnsCount() - opened
	stop() // the server's last log lines come before its log is read
	h.watch.addTo(total)
	r := newReport(&h.cfg, total, elapsed)
	r.ConnsOpened = opened
	return r
}

// issueTokens gives every tenant's users an access token, signed by the
// server's signer as a login would. Logging in over HTTP costs a password
// hash each; the login action does that during the run.
func (h *hunt) issueTokens() error {
	for _, t := range h.tenants {
		for _, role := range roles {
			u := &auth.User{ID: t.users[role], Username: t.username(role), Role: role}
			tok, _, err := h.signer.IssueForTenant(t.Tenant, u)
			if err != nil {
				return fmt.Errorf("leakhunt: issue a token to %s of %s: %w", role, t.Slug, err)
			}
			t.tokens[role] = tok
		}
	}
	return nil
}

// drive runs the clients for the configured duration and returns their
// stats, merged, and how long they ran.
func (h *hunt) drive(ctx context.Context) (*stats, time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Duration)
	defer cancel()
	clients := make([]*client, h.cfg.Clients)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range clients {
		clients[i] = h.newClient(i)
		wg.Go(func() { clients[i].run(ctx, len(clients)) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	total := newStats()
	for _, c := range clients {
		total.merge(c.st)
	}
	return total, elapsed
}
