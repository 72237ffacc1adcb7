package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/export"
	"github.com/tenantry/tenantry/jobs"
)

// exporter returns the exporter of d's database, logging to log (nil:
// nowhere). pg_dump connects with
// TENANTRY_LISTEN_URL, the direct connection (it needs a session, which a
// transaction-mode pooler cannot give).
func (d *deps) exporter(log *slog.Logger) *export.Exporter {
	return export.New(d.pool, &export.Config{ConnString: d.settings.listenURL, TenantMigrations: d.sets.Tenant,
		SharedMigrations: d.sets.Shared, Provisioner: d.provisioner, Application: d.settings.app.Name,
		Logger: log})
}

func (a *app) tenantExportCommand() *cobra.Command {
	var out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "export TENANT --out FILE",
		Short: "Write a tenant to one portable archive: its schema (pg_dump), registry and shared rows, a manifest",
		Long: `Write a tenant to one portable archive (gzip-compressed tar): its schema as
PostgreSQL's pg_dump writes it, its registry row and domains, its rows in every
shared table that has a tenant_id, and a manifest (format version, migration
levels and checksums, row counts, SHA-256 of every member and of them all).
Everything is read in one snapshot of the database. The file appears whole or
not at all. A tenant being deleted is refused. Restore with "tenant import".`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOut(out); err != nil {
				return err
			}
			d, err := a.open(cmd.Context(), 3)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			m, err := d.exporter(nil).WriteFile(cmd.Context(), args[0], out)
			if err != nil {
				return tenantError(err)
			}
			if asJSON {
				return writeJSON(a.stdout, m)
			}
			fmt.Fprintf(a.stdout, "tenant %s exported to %s (level %d, %s, digest %s)\n", m.Tenant.Slug, out, m.Level,
				plural(len(m.Members), "member"), m.Digest[:16])
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "the archive to write, e.g. acme.tar.gz (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the manifest as JSON")
	return cmd
}

type importFlags struct {
	req    export.ImportRequest
	asJSON bool
}

func (a *app) tenantImportCommand() *cobra.Command {
	var fl importFlags
	cmd := &cobra.Command{
		Use:   "import FILE --slug NEW [--domain D] [--keep-domains]",
		Short: "Restore an archive of \"tenant export\" as a new tenant, in one transaction",
		Long: `Restore an archive of "tenant export" as a new tenant, in one transaction: a
fresh id and database role, the schema under its new name with the grants
provisioning gives, the registry row, the shared rows. The whole archive is
checked first: a truncated or altered one, or one of another major format
version, is refused and nothing is made. An archive with migrations this
binary lacks is refused; an older one is migrated forward. Users log in with
their passwords; sessions and tokens of the original do not work on the copy.
--domain defaults to <slug>.<TENANTRY_BASE_DOMAIN>. --keep-domains also
restores the archive's other domains and email domains (after the original is
gone: a domain belongs to one tenant).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.importTenant(cmd, args[0], &fl) },
	}
	f := cmd.Flags()
	f.StringVar(&fl.req.Slug, "slug", "", "the new tenant's slug; its schema is tenant_<slug> (required)")
	f.StringVar(&fl.req.Slug, "schema", "", "another name for --slug")
	f.StringVar(&fl.req.Domain, "domain", "", "primary domain (default <slug>.<base domain>)")
	f.StringVar(&fl.req.Name, "name", "", "display name (default the archived tenant's)")
	f.BoolVar(&fl.req.KeepDomains, "keep-domains", false, "also restore the archive's other domains and email domains")
	f.BoolVar(&fl.asJSON, "json", false, "print the new tenant as JSON")
	return cmd
}

func (a *app) importTenant(cmd *cobra.Command, file string, fl *importFlags) error {
	if strings.TrimSpace(fl.req.Slug) == "" {
		return usagef("missing --slug: the new tenant's slug")
	}
	if st, err := os.Stat(file); err != nil || !st.Mode().IsRegular() {
		return usagef("%s: not a readable archive file", file)
	}
	d, err := a.open(cmd.Context(), 2)
	if err != nil {
		return err
	}
	defer d.pool.Close()
	if fl.req.Domain == "" {
		fl.req.Domain = strings.ReplaceAll(strings.TrimSpace(fl.req.Slug), "_", "-") + "." + d.settings.baseDomain
	}
	got, err := d.exporter(nil).ImportFile(cmd.Context(), file, fl.req)
	if err != nil {
		return importError(err)
	}
	if fl.asJSON {
		return writeJSON(a.stdout, got.Tenant)
	}
	t := got.Tenant
	fmt.Fprintf(a.stdout, "tenant %s imported from %s: schema %s, domain %s, level %d", t.Slug, got.Manifest.Tenant.Slug,
		t.SchemaName, strings.Join(t.Domains, " "), got.To)
	if got.To != got.From {
		fmt.Fprintf(a.stdout, " (migrated from %d)", got.From)
	}
	fmt.Fprintln(a.stdout)
	return nil
}

// importError marks what is wrong with the archive or the request as a
// usage error.
func importError(err error) error {
	for _, e := range []error{export.ErrCorrupt, export.ErrFormatVersion, export.ErrNewer, export.ErrMigrationMismatch} {
		if errors.Is(err, e) {
			return &usageError{err}
		}
	}
	return tenantError(err)
}

// checkOut refuses an --out that cannot be written: missing, a directory,
// or in a directory that does not exist.
func checkOut(out string) error {
	if strings.TrimSpace(out) == "" {
		return usagef("missing --out FILE: where to write the archive")
	}
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		return usagef("--out %s is a directory: name the archive file", out)
	}
	if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
		return usagef("--out %s: the directory %s does not exist", out, filepath.Dir(out))
	}
	return nil
}

// exportSchedule reads the scheduled exports' settings: TENANTRY_EXPORT_DIR
// (unset: none), TENANTRY_EXPORT_EVERY (a duration such as 24h or 30m,
// default 24h) and TENANTRY_EXPORT_KEEP (archives kept per tenant, default
// 7). A malformed value is recorded in s.invalid.
func (a *app) exportSchedule(s *settings) *export.Schedule {
	dir := strings.TrimSpace(a.getenv("TENANTRY_EXPORT_DIR"))
	if dir == "" {
		return nil
	}
	sch := &export.Schedule{Dir: dir, Keep: a.intSetting(s, "TENANTRY_EXPORT_KEEP", 7, 1, 10000)}
	if v := strings.TrimSpace(a.getenv("TENANTRY_EXPORT_EVERY")); v != "" {
		d, err := time.ParseDuration(v)
		if (err != nil || d < time.Minute) && s.invalid == nil {
			s.invalid = usagef("TENANTRY_EXPORT_EVERY=%q: must be a duration of at least a minute, such as 24h or 6h30m", v)
		}
		sch.Every = d
	}
	return sch
}

// scheduledExports are the job workers and periodic job of the scheduled
// exports, none when TENANTRY_EXPORT_DIR is not set.
func (d *deps) scheduledExports(log *slog.Logger) ([]jobs.Registration, []*river.PeriodicJob, error) {
	if d.settings.exports == nil {
		return nil, nil, nil
	}
	regs, periodic, err := d.exporter(log).Scheduled(*d.settings.exports)
	if err != nil {
		return nil, nil, usagef("TENANTRY_EXPORT_DIR: %v", err)
	}
	log.Info("scheduled exports", "dir", d.settings.exports.Dir, "every", d.settings.exports.Every.String(),
		"keep", d.settings.exports.Keep)
	return regs, periodic, nil
}
