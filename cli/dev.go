package cli

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/localpg"
)

// devDatabase is the database "tenantry dev" creates in its cluster.
const devDatabase = "tenantry"

// secretKeyFile, under the state directory, holds the signing key "tenantry
// dev" makes on its first run and keeps.
const secretKeyFile = "secret_key"

func (a *app) devCommand() *cobra.Command {
	var reset, yes bool
	cmd := &cobra.Command{
		Use:   "dev [--reset [--yes]]",
		Short: "Zero set-up: a private PostgreSQL, migrations, demo tenants, the server on :8000",
		Long: `Run everything on this machine with nothing set up: a private PostgreSQL
cluster under .tenantry/ (initialised on the first run, reused after), all
migrations, the demo tenants school1 and school2 (user demo / demo123), and
the server on :8000. With DATABASE_URL set, that database is used instead.
Ctrl-C stops the server and the cluster cleanly.

--reset first deletes the private cluster, and every tenant in it, to start
over: after a migration that was already applied has been removed or edited,
for instance. It asks for confirmation on standard input unless --yes is
given.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if yes && !reset {
				return usagef("--yes goes with --reset")
			}
			if reset {
				if err := a.resetDev(yes); err != nil {
					return err
				}
			}
			return a.dev(cmd.Context())
		},
	}
	cmd.Flags().BoolVar(&reset, "reset", false, "delete the private cluster and its data first, to start over")
	cmd.Flags().BoolVar(&yes, "yes", false, "with --reset: do not ask for confirmation")
	return cmd
}

func (a *app) dev(ctx context.Context) error {
	s := a.settings()
	log := a.serverLogger()
	private := s.databaseURL == ""
	if private {
		cluster, err := a.startDevCluster(ctx, &s)
		if err != nil {
			return err
		}
		defer a.stopDevCluster(cluster, s.stateDir)
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() { <-cluster.Done(); cancel() }() // the cluster died: stop serving
	}
	d, err := wire(ctx, s, 0, a.quietLogger())
	if err != nil {
		return err
	}
	defer d.pool.Close()
	if err := a.devMigrate(ctx, d, private); err != nil {
		return err
	}
	if err := a.createDemo(ctx, d); err != nil {
		return err
	}
	if err := ensureSecretKey(s.stateDir); err != nil {
		return err
	}
	return a.serve(ctx, d, log, func(addr net.Addr) { a.printBanner(s, addr) })
}

func (a *app) startDevCluster(ctx context.Context, s *settings) (*localpg.Cluster, error) {
	if _, err := localpg.FindBinDir(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.stateDir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", s.stateDir, err)
	}
	dir := clusterDir(s.stateDir)
	fmt.Fprintf(a.stdout, "starting PostgreSQL in %s ...\n", dir)
	cluster, err := localpg.Start(ctx, &localpg.Config{Dir: dir})
	if err != nil {
		return nil, fmt.Errorf("start the private PostgreSQL: %w", err)
	}
	if err := cluster.CreateDatabase(ctx, devDatabase); err != nil {
		_ = cluster.Stop()
		return nil, err
	}
	s.databaseURL = cluster.URL(devDatabase)
	s.listenURL = s.databaseURL
	if err := os.WriteFile(filepath.Join(s.stateDir, devURLFile), []byte(s.databaseURL+"\n"), 0o600); err != nil {
		_ = cluster.Stop()
		return nil, fmt.Errorf("record the cluster's URL: %w", err)
	}
	return cluster, nil
}

// clusterDir is where dev keeps its cluster: stateDir/pg, unless the server's
// account cannot reach it (as root, the server runs as postgres, which cannot
// enter /root); then a directory of its own under /var/tmp, named after
// stateDir so that each project keeps its own cluster across runs.
func clusterDir(stateDir string) string {
	dir := filepath.Join(stateDir, "pg")
	if localpg.Reachable(dir) == nil {
		return dir
	}
	abs, _ := filepath.Abs(dir) // Abs fails only without a working directory
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join("/var/tmp", "tenantry-dev-"+hex.EncodeToString(sum[:6]))
}

func (a *app) stopDevCluster(c *localpg.Cluster, stateDir string) {
	_ = os.Remove(filepath.Join(stateDir, devURLFile))
	if err := c.Stop(); err != nil {
		fmt.Fprintln(a.stderr, "tenantry: stop PostgreSQL:", err)
		return
	}
	fmt.Fprintln(a.stdout, "PostgreSQL stopped")
}

// devMigrate migrates every schema; private tells whether the database is
// dev's own cluster, which --reset can delete.
func (a *app) devMigrate(ctx context.Context, d *deps, private bool) error {
	schemas, err := d.fleet.Select(ctx, fleet.Selector{All: true})
	if err != nil {
		return err
	}
	report, err := d.fleet.Migrate(ctx, schemas, &fleet.Options{Parallel: 4})
	if errors.Is(err, fleet.ErrInterrupted) {
		return &interruptedError{verb: "dev's migrate", report: report}
	}
	if err != nil {
		return err
	}
	if !report.OK() {
		return devMigrateError(report, private, d.settings.stateDir)
	}
	fmt.Fprintf(a.stdout, "%s checked in %s: %d migrated, %d up to date\n", plural(report.Total, "schema"),
		report.Duration.Round(time.Millisecond), report.Changed, report.UpToDate)
	return nil
}

// ensureSecretKey makes the signing key file on the first run and keeps it.
func ensureSecretKey(stateDir string) error {
	path := filepath.Join(stateDir, secretKeyFile)
	if _, err := os.Stat(path); err == nil || !errors.Is(err, os.ErrNotExist) {
		return err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails on Linux
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", stateDir, err)
	}
	if err := os.WriteFile(path, []byte(base64.RawURLEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return fmt.Errorf("write the secret key: %w", err)
	}
	return nil
}

func (a *app) printBanner(s settings, addr net.Addr) {
	port := "8000"
	if tcp, ok := addr.(*net.TCPAddr); ok {
		port = strconv.Itoa(tcp.Port)
	}
	w := a.stdout
	fmt.Fprintf(w, "\nTenantry is running (development mode) on %s\n", addr)
	for _, dt := range demoTenants {
		fmt.Fprintf(w, "  tenant %-8s http://%s.%s:%s/api/tenant/\n", dt.slug, dt.slug, s.baseDomain, port)
	}
	fmt.Fprintf(w, "  sign up         http://%s:%s/ (a new tenant at <company>.%s)\n", s.baseDomain, port, s.baseDomain)
	fmt.Fprintf(w, "  console         http://%s.%s:%s/admin/ (operators: http://%s:%s/admin/), API docs at /api/docs\n",
		demoTenants[0].slug, s.baseDomain, port, s.baseDomain, port)
	if s.smtpURL == "" {
		fmt.Fprintf(w, "  mail            written to %s (links are logged too; set TENANTRY_SMTP_URL to send)\n",
			filepath.Join(s.stateDir, "outbox"))
	}
	fmt.Fprintf(w, "  demo user       %s / %s\n", demoUser, demoPassword)
	fmt.Fprintf(w, "  try             curl http://%s.%s:%s/api/tenant/\n", demoTenants[0].slug, s.baseDomain, port)
	fmt.Fprintf(w, "                  curl -H 'Host: %s.%s' http://127.0.0.1:%s/api/tenant/\n", demoTenants[1].slug, s.baseDomain, port)
	fmt.Fprintf(w, "  other commands in this directory (%[1]s tenant list, %[1]s migrate, ...) use this database\n", a.spec.CommandName())
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}
