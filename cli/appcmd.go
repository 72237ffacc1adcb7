package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	appspec "github.com/tenantry/tenantry/app"
	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/tenantdb"
)

// appCommands are the application's own commands with a Run function,
// each at the top of the command tree. Their arguments, flags included,
// are the command's to parse.
func (a *app) appCommands() []*cobra.Command {
	var out []*cobra.Command
	for _, c := range a.spec.Commands {
		if c.Run == nil {
			continue
		}
		out = append(out, &cobra.Command{
			Use:                c.Name + " " + c.Usage,
			Short:              c.Short,
			Args:               cobra.ArbitraryArgs,
			DisableFlagParsing: true,
			RunE: func(cmd *cobra.Command, args []string) error {
				if slices.Contains(args, "--help") || slices.Contains(args, "-h") {
					return cmd.Help()
				}
				d, err := a.open(cmd.Context(), 4)
				if err != nil {
					return err
				}
				defer d.pool.Close()
				return c.Run(cmd.Context(), a.env(d), args)
			},
		})
	}
	return out
}

// env is what an application's command gets.
func (a *app) env(d *deps) *appspec.Env {
	return &appspec.Env{Pool: d.pool, DB: d.db, Registry: d.registry, Provisioner: d.provisioner,
		Fleet: d.fleet, Jobs: d.jobs, Logger: a.quietLogger(), Stdout: a.stdout, Stderr: a.stderr}
}

func (a *app) runCommand() *cobra.Command {
	var sel fleet.Selector
	cmd := &cobra.Command{
		Use:   "run selectors COMMAND [ARGS...]",
		Short: "Run one of the application's commands in each selected schema",
		Long: `Run one of the application's per-schema commands in each selected schema, in
a transaction of its own, as django-pgschemas' runschema: for a tenant, bound
to the tenant as its requests are (search_path, role, tenant id); for public
or a static schema, with that schema first on the search_path. Spares are
skipped. A schema whose run fails is rolled back and reported; the others go
on, and the exit status is 1.` + selectorHelp + "\n\nCommands:" + a.schemaCommandList(),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ok := a.schemaCommand(args[0])
			if !ok {
				return usagef("%s is not a per-schema command of %s:%s", args[0], a.spec.CommandName(), a.schemaCommandList())
			}
			if sel.IsEmpty() {
				return usagef("run needs selectors: -s NAME, -ds, -ss, -ts or -as (see %s run --help)", a.spec.CommandName())
			}
			d, err := a.open(cmd.Context(), 4)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			schemas, err := d.fleet.Select(cmd.Context(), sel)
			if err != nil {
				return &usageError{err}
			}
			return a.runPerSchema(cmd.Context(), d, c, schemas, args[1:])
		},
	}
	cmd.Flags().SetInterspersed(false) // what follows COMMAND is the command's
	selectorFlags(cmd, &sel)
	return cmd
}

// schemaCommand finds the application's per-schema command name.
func (a *app) schemaCommand(name string) (appspec.Command, bool) {
	for _, c := range a.spec.Commands {
		if c.Name == name && c.Schema != nil {
			return c, true
		}
	}
	return appspec.Command{}, false
}

func (a *app) schemaCommandList() string {
	out := ""
	for _, c := range a.spec.Commands {
		if c.Schema != nil {
			out += fmt.Sprintf("\n  %-22s %s", c.Name+" "+c.Usage, c.Short)
		}
	}
	if out == "" {
		return " none (the application declares no per-schema command)"
	}
	return out
}

// runPerSchema runs c in each schema, one after the other, and reports.
func (a *app) runPerSchema(ctx context.Context, d *deps, c appspec.Command, schemas []fleet.Schema, args []string) error {
	env := a.env(d)
	var failed, ran int
	for _, s := range schemas {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted after %s: run it again for the schemas not reached", plural(ran, "schema"))
		}
		if s.Kind == fleet.KindSpare {
			continue
		}
		if err := a.runInSchema(ctx, d, env, c, s, args); err != nil {
			failed++
			fmt.Fprintf(a.stdout, "FAILED  %s: %v\n", s.Name, err)
			continue
		}
		ran++
		fmt.Fprintf(a.stdout, "ok      %s\n", s.Name)
	}
	fmt.Fprintf(a.stdout, "%s: ran in %s, failed in %d\n", c.Name, plural(ran, "schema"), failed)
	if failed > 0 {
		return errors.New(c.Name + " failed in " + plural(failed, "schema"))
	}
	return nil
}

// runInSchema runs c in one schema's transaction.
func (a *app) runInSchema(ctx context.Context, d *deps, env *appspec.Env, c appspec.Command, s fleet.Schema, args []string) error {
	if s.Kind == fleet.KindDynamic {
		t, err := d.registry.Find(ctx, s.Name)
		if err != nil {
			return err
		}
		return d.db.InTenant(ctx, t, func(tx *tenantdb.Tx) error {
			return c.Schema(ctx, &appspec.Scope{Schema: s, Tenant: t, Tx: tx, Env: env}, args)
		})
	}
	return pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", sqlquote.Ident(s.Name)+", public"); err != nil {
			return fmt.Errorf("enter schema %s: %w", s.Name, err)
		}
		return c.Schema(ctx, &appspec.Scope{Schema: s, Tx: tx, Env: env}, args)
	})
}
