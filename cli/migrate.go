package cli

import (
	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/fleet"
)

type runFlags struct {
	sel      fleet.Selector
	parallel int
	dryRun   bool
	json     bool
	// maintenance: each tenant in maintenance while its schema migrates
	// (migrate --maintenance).
	maintenance bool
}

func (a *app) migrateCommand() *cobra.Command {
	var fl runFlags
	cmd := &cobra.Command{
		Use:   "migrate [selectors] [--parallel N] [--dry-run] [--maintenance] [--json]",
		Short: "Apply pending migrations to the selected schemas (all by default)",
		Long: `Apply pending migrations: the shared set to public, the tenant set to every
static, tenant and spare schema. Schemas the fleet summary shows as current
are skipped in one query. Each schema migrates in its own transaction: a
failing schema is reported and left at its last good version, the others go
on, and the exit status is 1. Ctrl-C or SIGTERM stops the run: the schemas
being migrated roll back, no other is started, and the exit status is 130.
Either way, running again resumes. With --maintenance each tenant answers
503 with Retry-After while its own schema migrates, and only then.` + selectorHelp,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if fl.sel.IsEmpty() {
				fl.sel.All = true
			}
			return a.runFleet(cmd, &fl, "migrate", func(d *deps, s []fleet.Schema, o *fleet.Options) (*fleet.Report, error) {
				return d.fleet.Migrate(cmd.Context(), s, o)
			})
		},
	}
	selectorFlags(cmd, &fl.sel)
	runOptionFlags(cmd, &fl)
	cmd.Flags().BoolVar(&fl.maintenance, "maintenance", false, "put each tenant in maintenance (503) while its own schema migrates")
	return cmd
}

func (a *app) execCommand() *cobra.Command {
	var fl runFlags
	var sql, file string
	cmd := &cobra.Command{
		Use:   "exec selectors (--sql SQL | --file FILE) [--parallel N] [--json]",
		Short: "Run SQL in each selected schema",
		Long: `Run SQL in each selected schema, one transaction per schema with search_path
set to the schema (then public), as the application's login role. A schema
whose SQL fails is rolled back and reported; the others go on. The SQL is
the text of --sql or the content of --file (--file - reads standard input).` + selectorHelp,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if fl.sel.IsEmpty() {
				return usagef("choose the schemas to run in: -s NAME, -as, -ss, -ds or -ts")
			}
			f := cmd.Flags()
			text, err := a.execSQL(sql, file, f.Changed("sql"), f.Changed("file"))
			if err != nil {
				return err
			}
			return a.runFleet(cmd, &fl, "exec", func(d *deps, s []fleet.Schema, o *fleet.Options) (*fleet.Report, error) {
				return d.fleet.Exec(cmd.Context(), s, text, o)
			})
		},
	}
	selectorFlags(cmd, &fl.sel)
	runOptionFlags(cmd, &fl)
	cmd.Flags().StringVar(&sql, "sql", "", "the SQL to run")
	cmd.Flags().StringVar(&file, "file", "", "a file holding the SQL to run; - for standard input")
	return cmd
}

func runOptionFlags(cmd *cobra.Command, fl *runFlags) {
	cmd.Flags().IntVar(&fl.parallel, "parallel", 4, "schemas worked on at once")
	cmd.Flags().BoolVar(&fl.dryRun, "dry-run", false, "show what would be done; change nothing")
	cmd.Flags().BoolVar(&fl.json, "json", false, "print the report as JSON")
}

func (a *app) whowillCommand() *cobra.Command {
	var sel fleet.Selector
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "whowill [selectors] [--json]",
		Short: "List the schemas a command with these selectors would touch (all by default)",
		Long:  "List the schemas a command with these selectors would touch." + selectorHelp,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if sel.IsEmpty() {
				sel.All = true
			}
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			schemas, err := d.fleet.Select(cmd.Context(), sel)
			if err != nil {
				return &usageError{err}
			}
			return a.printSchemas(schemas, asJSON)
		},
	}
	selectorFlags(cmd, &sel)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
