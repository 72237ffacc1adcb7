package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/provision"
)

func (a *app) sparesCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "spares [--json] | spares fill [--count N]",
		Short: "List the spare schema pool, or top it up",
		Long: `Spares are schemas migrated ahead of time (_tenantry_spare_<n>): creating a
tenant renames one instead of migrating a new schema, in milliseconds. The
pool's size is TENANTRY_SPARES (default 5; 0 turns the pool off); a running
server tops it up after each claim. "spares" lists the pool: a spare is
current when it is at the latest tenant migration and its last migration did
not fail; "tenantry migrate" brings the others up to date.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			spares, err := d.provisioner.Spares(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if spares == nil {
					spares = []provision.Spare{}
				}
				return writeJSON(a.stdout, spares)
			}
			a.printSpares(spares, d.settings.spares)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.AddCommand(a.sparesFillCommand())
	for _, c := range cmd.Commands() {
		c.Args = wrapArgs(c.Args)
	}
	return cmd
}

func (a *app) printSpares(spares []provision.Spare, target int) {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCHEMA\tVERSION\tCURRENT\tERROR")
	current := 0
	for _, s := range spares {
		mark := "no"
		if s.Current {
			mark, current = "yes", current+1
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", s.Name, s.Version, mark, s.Error)
	}
	tw.Flush()
	fmt.Fprintf(a.stdout, "%s, %d current (target %d)\n", plural(len(spares), "spare"), current, target)
}

func (a *app) sparesFillCommand() *cobra.Command {
	var count int
	cmd := &cobra.Command{
		Use:   "fill [--count N]",
		Short: "Make spare schemas until the pool holds N current ones (default TENANTRY_SPARES)",
		Long: `Make spare schemas, one transaction each, until the pool holds N current
spares (default TENANTRY_SPARES, itself 5 by default). Spares that are behind
or failed are not counted. Safe to run while a server refills the pool too.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s := a.settings()
			if cmd.Flags().Changed("count") {
				if count < 0 || count > 1000 {
					return usagef("--count must be from 0 to 1000, not %d", count)
				}
				s.spares = count
			}
			if err := s.resolveDatabase(); err != nil {
				return err
			}
			d, err := wire(cmd.Context(), s, 2, a.quietLogger())
			if err != nil {
				return err
			}
			defer d.pool.Close()
			made, err := d.provisioner.Refill(cmd.Context())
			if err != nil {
				return fmt.Errorf("made %s, then: %w", plural(made, "spare"), err)
			}
			spares, err := d.provisioner.Spares(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "spares made: %d\n", made)
			a.printSpares(spares, s.spares)
			return nil
		},
	}
	cmd.Flags().IntVar(&count, "count", 0, "spares the pool should hold (default TENANTRY_SPARES)")
	return cmd
}
