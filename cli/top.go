package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/limits"
)

func (a *app) topCommand() *cobra.Command {
	var asJSON bool
	var opts limits.TopOptions
	cmd := &cobra.Command{
		Use:   "top [--tenants N] [--statements N] [--json]",
		Short: "Per-tenant database statistics (pg_stat_statements by tenant role)",
		Long: `Fold pg_stat_statements by tenant role: each tenant's calls, total and mean
execution time and rows, heaviest first, with its heaviest statements, since the
statistics were last reset. Needs the extension pg_stat_statements (the command
says how to enable it when it is missing) and the per-tenant role layer.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Tenants < 0 || opts.Statements < 0 {
				return usagef("--tenants and --statements must not be negative")
			}
			if cmd.Flags().Changed("statements") && opts.Statements == 0 {
				opts.Statements = -1
			}
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			r, err := limits.Top(cmd.Context(), d.pool, opts)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, r)
			}
			if !r.Available {
				fmt.Fprintln(a.stdout, r.Hint)
				return nil
			}
			printTop(a.stdout, r)
			return nil
		},
	}
	cmd.Flags().IntVar(&opts.Tenants, "tenants", 10, "how many tenants, heaviest first")
	cmd.Flags().IntVar(&opts.Statements, "statements", 3, "how many of each tenant's heaviest statements")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func printTop(w io.Writer, r *limits.Report) {
	fmt.Fprintf(w, "since %s (pg_stat_statements_info.stats_reset): %s with statistics\n",
		r.Since.Format("2006-01-02 15:04:05 MST"), plural(r.TenantCount, "tenant"))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TENANT\tPLAN\tCALLS\tTOTAL ms\tMEAN ms\tROWS\t")
	for _, t := range r.Tenants {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.3f\t%d\t\n", t.Tenant, t.Plan, t.Calls, t.TotalMS, t.MeanMS, t.Rows)
	}
	if r.TenantCount > len(r.Tenants) {
		o := r.Others
		fmt.Fprintf(tw, "(%d others)\t\t%d\t%.1f\t%.3f\t%d\t\n", r.TenantCount-len(r.Tenants), o.Calls, o.TotalMS, o.MeanMS, o.Rows)
	}
	tw.Flush()
	for _, t := range r.Tenants {
		if len(t.Statements) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s's heaviest statements:\n", t.Tenant)
		for _, s := range t.Statements {
			fmt.Fprintf(w, "  %8.1f ms total  %8d calls  %10.3f ms mean  %s\n", s.TotalMS, s.Calls, s.MeanMS, oneLine(s.Query, 100))
		}
	}
	if r.TextsHidden {
		fmt.Fprintln(w, "\nstatement texts are hidden from this login: GRANT pg_read_all_stats TO it to see them")
	}
}

// oneLine squeezes s's white space and cuts it to n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
