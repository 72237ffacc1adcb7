package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry"
)

// lifecycleCommands are the tenant subcommands of the lifecycle beyond
// suspend and activate.
func (a *app) lifecycleCommands() []*cobra.Command {
	return []*cobra.Command{a.tenantTerminateCommand(), a.tenantPurgeCommand(), a.tenantMaintenanceCommand()}
}

func (a *app) tenantTerminateCommand() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "terminate TENANT --yes",
		Short: "Terminate a tenant: 503 on its hosts, data kept until TENANTRY_PURGE_AFTER, then purged",
		Long: `Terminate a tenant: its hosts answer 503 and its jobs are refused, its data
is kept, and it is purged (deleted with all its data) once TENANTRY_PURGE_AFTER
(default 30d) has passed, by "tenant purge --due" or the periodic purge job
of serve and worker. "tenant activate" cancels the purge.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				return usagef("refusing to terminate tenant %q (its data is purged later) without --yes", args[0])
			}
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			t, err := d.registry.SetStatus(cmd.Context(), args[0], tenantry.StatusTerminated)
			if err != nil {
				return tenantError(err)
			}
			fmt.Fprintf(a.stdout, "tenant %s is terminated; its data is purged after %s (tenant activate cancels)\n",
				t.Slug, t.PurgeAfter.UTC().Format(time.RFC3339))
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "really terminate the tenant")
	return cmd
}

func (a *app) tenantPurgeCommand() *cobra.Command {
	var dueOnly bool
	cmd := &cobra.Command{
		Use:   "purge --due",
		Short: "Delete the terminated tenants whose purge date has passed",
		Long: `Delete, with all their data and in bounded steps, the terminated tenants whose
purge date has passed, and finish purges that stopped part way. A tenant that
fails is reported and the others go on (exit status 1).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !dueOnly {
				return usagef("tenant purge needs --due: it purges only terminated tenants whose date has passed")
			}
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			res, err := d.provisioner.PurgeDue(cmd.Context())
			if err != nil {
				return err
			}
			failed := 0
			for _, r := range res {
				if r.Err != nil {
					failed++
					fmt.Fprintf(a.stdout, "tenant %s: %v\n", r.Tenant.Slug, r.Err)
					continue
				}
				fmt.Fprintf(a.stdout, "tenant %s purged (schema %s dropped)\n", r.Tenant.Slug, r.Tenant.SchemaName)
			}
			fmt.Fprintf(a.stdout, "%s purged, %d failed\n", plural(len(res)-failed, "tenant"), failed)
			if failed > 0 {
				return fmt.Errorf("%s could not be purged", plural(failed, "tenant"))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dueOnly, "due", false, "purge the terminated tenants whose purge date has passed")
	return cmd
}

func (a *app) tenantMaintenanceCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "maintenance TENANT on|off",
		Short: "Put a tenant in maintenance (503 with Retry-After on its hosts) or take it out",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			on, ok := map[string]bool{"on": true, "off": false}[args[1]]
			if !ok {
				return usagef("tenant maintenance %s %q: say on or off", args[0], args[1])
			}
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			t, err := d.registry.SetMaintenance(cmd.Context(), args[0], on)
			if err != nil {
				return tenantError(err)
			}
			fmt.Fprintf(a.stdout, "tenant %s maintenance %s\n", t.Slug, args[1])
			return nil
		},
	}
}
