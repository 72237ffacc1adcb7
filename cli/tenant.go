package cli

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry"
)

func (a *app) tenantCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tenant",
		Short: "Create, list, suspend, activate and delete tenants",
		Long: `Create, list, suspend, activate and delete tenants. Every command that takes a
tenant takes its slug, its schema name or one of its domains.`,
	}
	cmd.AddCommand(a.tenantCreateCommand(), a.tenantListCommand(),
		a.tenantStatusCommand("suspend", tenantry.StatusSuspended, "Suspend a tenant: its hosts answer 503 until it is activated"),
		a.tenantStatusCommand("activate", tenantry.StatusActive, "Activate a suspended or terminated tenant (cancels its purge)"),
		a.tenantDeleteCommand(), a.tenantPlanCommand(), a.tenantFeaturesCommand())
	cmd.AddCommand(a.lifecycleCommands()...)
	cmd.AddCommand(a.tenantExportCommand(), a.tenantImportCommand())
	for _, c := range cmd.Commands() {
		c.Args = wrapArgs(c.Args)
	}
	return cmd
}

func (a *app) tenantListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "List every tenant",
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			ts, err := d.registry.List(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if ts == nil {
					ts = []*tenantry.Tenant{}
				}
				return writeJSON(a.stdout, ts)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SLUG\tSCHEMA\tSTATUS\tNAME\tDOMAINS\tCREATED")
			for _, t := range ts {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Slug, t.SchemaName, t.Status, t.Name,
					strings.Join(t.Domains, " "), t.CreatedAt.Format("2006-01-02 15:04"))
			}
			tw.Flush()
			fmt.Fprintln(a.stdout, plural(len(ts), "tenant"))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func (a *app) tenantStatusCommand(verb string, st tenantry.Status, short string) *cobra.Command {
	return &cobra.Command{
		Use:   verb + " TENANT",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			t, err := d.registry.SetStatus(cmd.Context(), args[0], st)
			if err != nil {
				return tenantError(err)
			}
			fmt.Fprintf(a.stdout, "tenant %s is %s\n", t.Slug, t.Status)
			return nil
		},
	}
}

func (a *app) tenantDeleteCommand() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete TENANT --yes",
		Short: "Delete a tenant with all its data: schema, role, domains, registry row",
		Long: `Delete a tenant with all its data: schema, role, domains, registry row. The
tenant's status becomes deleting at once (its hosts answer 404, its jobs are
cancelled), then its schema is dropped in steps small enough for PostgreSQL's
lock table. A delete that stops part way leaves the tenant deleting (tenant
list shows it): run the same command again to finish it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				return usagef("refusing to delete tenant %q and all its data without --yes", args[0])
			}
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			t, err := d.provisioner.Delete(cmd.Context(), args[0])
			if err != nil {
				return tenantError(err)
			}
			fmt.Fprintf(a.stdout, "tenant %s deleted (schema %s dropped)\n", t.Slug, t.SchemaName)
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "really delete the tenant and all its data")
	return cmd
}

// tenantError marks the errors that are the user's to fix as usage errors.
func tenantError(err error) error {
	if tenantry.IsValidation(err) || errors.Is(err, tenantry.ErrTenantNotFound) ||
		errors.Is(err, tenantry.ErrTenantExists) || errors.Is(err, tenantry.ErrDomainTaken) ||
		errors.Is(err, tenantry.ErrTenantDeleting) {
		return &usageError{err}
	}
	return err
}
