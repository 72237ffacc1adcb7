package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/fleet"
)

// runFleet opens the database, selects schemas and runs do over them with a
// progress bar, then prints the report. It fails when any schema failed.
func (a *app) runFleet(cmd *cobra.Command, fl *runFlags, verb string,
	do func(*deps, []fleet.Schema, *fleet.Options) (*fleet.Report, error)) error {
	if fl.parallel < 1 || fl.parallel > 256 {
		return usagef("--parallel must be between 1 and 256, not %d", fl.parallel)
	}
	d, err := a.open(cmd.Context(), int32(fl.parallel+1))
	if err != nil {
		return err
	}
	defer d.pool.Close()
	schemas, err := d.fleet.Select(cmd.Context(), fl.sel)
	if err != nil {
		if errors.Is(err, fleet.ErrUnknownSchema) {
			return &usageError{err}
		}
		return err
	}
	bar := a.newProgress(verb, len(schemas), fl.json)
	report, err := do(d, schemas, &fleet.Options{Parallel: fl.parallel, DryRun: fl.dryRun, Progress: bar.update})
	bar.finish()
	if err != nil {
		return err
	}
	if err := a.printReport(verb, report, fl); err != nil {
		return err
	}
	if !report.OK() {
		return fmt.Errorf("%s failed in %d of %d schemas", verb, report.Failed, report.Total)
	}
	if cmd.Context().Err() != nil {
		return fmt.Errorf("%s interrupted: run it again to resume", verb)
	}
	return nil
}

func (a *app) printReport(verb string, r *fleet.Report, fl *runFlags) error {
	if fl.json {
		return writeJSON(a.stdout, r)
	}
	w := a.stdout
	for _, res := range r.Results {
		printResult(w, verb, res, fl.dryRun)
	}
	rate := float64(r.Total) / max(r.Duration.Seconds(), 1e-9)
	fmt.Fprintf(w, "%s: %d schemas in %s (%.0f/s): %d changed, %d up to date, %d failed\n",
		verb, r.Total, r.Duration.Round(time.Millisecond), rate, r.Changed, r.UpToDate, r.Failed)
	return nil
}

func printResult(w io.Writer, verb string, res fleet.Result, dry bool) {
	switch {
	case res.Err != nil:
		fmt.Fprintf(w, "FAILED  %s (at version %d): %s\n", res.Schema, res.From, res.Error)
	case verb == "exec":
		printOutput(w, res)
	case len(res.Applied) > 0:
		what := "migrated"
		if dry {
			what = "would migrate"
		}
		fmt.Fprintf(w, "%s  %s: %d -> %d (%s)\n", what, res.Schema, res.From, res.To, strings.Join(res.Labels, ", "))
	}
}

// printOutput shows what exec's SQL returned in one schema, as a table.
func printOutput(w io.Writer, res fleet.Result) {
	fmt.Fprintf(w, "== %s\n", res.Schema)
	for _, o := range res.Output {
		if len(o.Columns) == 0 {
			fmt.Fprintln(w, o.Command)
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(o.Columns, "\t"))
		for _, row := range o.Rows {
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		tw.Flush()
		if o.Truncated {
			fmt.Fprintln(w, "(more rows not shown)")
		}
	}
}

func (a *app) printSchemas(schemas []fleet.Schema, asJSON bool) error {
	if asJSON {
		if schemas == nil {
			schemas = []fleet.Schema{}
		}
		return writeJSON(a.stdout, schemas)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tSCHEMA\tTENANT\tDOMAINS")
	for _, s := range schemas {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Kind, s.Name, s.Slug, strings.Join(s.Domains, " "))
	}
	tw.Flush()
	fmt.Fprintf(a.stdout, "%d schemas\n", len(schemas))
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
