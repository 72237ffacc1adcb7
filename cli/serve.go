package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
)

// shutdownTimeout bounds how long in-flight requests may run on after a
// SIGTERM or Ctrl-C.
const shutdownTimeout = 15 * time.Second

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the production server (DATABASE_URL required)",
		Long: `Run the server on TENANTRY_ADDR (default :8000). Each request is routed by its
Host to its tenant; the fallback domains (TENANTRY_BASE_DOMAIN and www. of it,
or TENANTRY_FALLBACK_DOMAINS) get the public site. The database must already
be migrated (tenantry migrate). Stops gracefully on SIGTERM or Ctrl-C.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s := a.settings()
			if s.databaseURL == "" {
				return usagef("DATABASE_URL is required: the PostgreSQL to serve from (postgres://user@host:5432/db)")
			}
			log := a.serverLogger()
			d, err := wire(cmd.Context(), s, 0, log)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			return a.serve(cmd.Context(), d, log, func(addr net.Addr) {
				log.Info("serving", "addr", addr.String(), "base_domain", s.baseDomain)
			})
		},
	}
}

// fallbackDomains are the hosts that get the public site.
func (a *app) fallbackDomains(s settings) []string {
	if v, ok := a.lookupEnv("TENANTRY_FALLBACK_DOMAINS"); ok {
		return splitList(v)
	}
	return []string{s.baseDomain, "www." + s.baseDomain}
}

// serve runs the HTTP server, the registry listener and the job workers
// until ctx ends, then shuts the server down gracefully and stops the
// workers. ready is called once it listens.
func (a *app) serve(ctx context.Context, d *deps, log *slog.Logger, ready func(net.Addr)) error {
	signer, err := a.signer(d.settings)
	if err != nil {
		return err
	}
	stopJobs, err := startJobs(ctx, d, log)
	if err != nil {
		return err
	}
	defer stopJobs()
	signups, err := signupService(d, log)
	if err != nil {
		return err
	}
	cfg := &api.Config{Pool: d.pool, Resolver: d.registry, DB: d.db, Signer: signer,
		Policy: d.policy, MemberRole: a.spec.Member(), Shared: d.sets.Shared, Routes: a.routes(), Without: a.spec.Without,
		FallbackDomains: a.fallbackDomains(d.settings), Logger: log,
		Provisioner: d.provisioner, Registry: d.registry, Signup: signups}
	if err := a.addConsole(cfg, d); err != nil {
		return usagef("%s: %v", a.spec.CommandName(), err)
	}
	h, err := api.NewHandler(cfg)
	if err != nil {
		return usagef("%s: %v", a.spec.CommandName(), err)
	}
	ln, err := net.Listen("tcp", d.settings.addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set TENANTRY_ADDR to use another address): %w", d.settings.addr, err)
	}
	listenCtx, stopListen := context.WithCancel(ctx)
	defer stopListen()
	go func() { _ = d.registry.Listen(listenCtx, d.settings.listenURL) }() // returns nil when ctx ends
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	ready(ln.Addr())
	select {
	case err := <-errc:
		return fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// signer makes the token signer from TENANTRY_SECRET_KEY, or from the key
// file "tenantry dev" keeps when the variable is not set.
func (a *app) signer(s settings) (*auth.Signer, error) {
	key := a.getenv("TENANTRY_SECRET_KEY")
	if key == "" {
		b, err := os.ReadFile(filepath.Join(s.stateDir, secretKeyFile))
		if err != nil {
			return nil, usagef("TENANTRY_SECRET_KEY is required: a random secret of at least 32 bytes that signs access tokens")
		}
		key = strings.TrimSpace(string(b))
	}
	signer, err := auth.NewSigner([]byte(key))
	if err != nil {
		return nil, usagef("TENANTRY_SECRET_KEY: %v", err)
	}
	return signer, nil
}

// routes are the application's route hooks for api.Config.
func (a *app) routes() []func(*api.Routes) error {
	if a.spec.Routes == nil {
		return nil
	}
	return []func(*api.Routes) error{a.spec.Routes}
}
