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
// progress bar, then prints the report. It fails when any schema failed,
// and returns an *interruptedError when the command's context ended first.
func (a *app) runFleet(cmd *cobra.Command, fl *runFlags, verb string,
	do func(*deps, []fleet.Schema, *fleet.Options) (*fleet.Report, error)) error {
	if fl.parallel < 1 || fl.parallel > 256 {
		return usagef("--parallel must be between 1 and 256, not %d", fl.parallel)
	}
	d, err := a.open(cmd.Context(), int32(fl.parallel+1))
	if err != nil {
		return notStarted(cmd, verb, err)
	}
	defer d.pool.Close()
	schemas, err := d.fleet.Select(cmd.Context(), fl.sel)
	if err != nil {
		if errors.Is(err, fleet.ErrUnknownSchema) {
			return &usageError{err}
		}
		return notStarted(cmd, verb, err)
	}
	bar := a.newProgress(verb, len(schemas), fl.json)
	report, err := do(d, schemas, &fleet.Options{Parallel: fl.parallel, DryRun: fl.dryRun,
		Maintenance: fl.maintenance, Progress: bar.update})
	bar.finish()
	if report == nil {
		return err
	}
	if perr := a.printReport(verb, report, fl); perr != nil {
		return perr
	}
	switch {
	case errors.Is(err, fleet.ErrInterrupted):
		return &interruptedError{verb: verb, report: report}
	case err != nil:
		return err
	case !report.OK():
		return fmt.Errorf("%s failed in %d of %s", verb, report.Failed, plural(report.Total, "schema"))
	}
	return nil
}

// notStarted is the error of a fleet run that stopped before its first
// schema: an *interruptedError if the command's context ended, else err.
func notStarted(cmd *cobra.Command, verb string, err error) error {
	if cmd.Context().Err() != nil {
		return &interruptedError{verb: verb}
	}
	return err
}

func (a *app) printReport(verb string, r *fleet.Report, fl *runFlags) error {
	if fl.json {
		return writeJSON(a.stdout, r)
	}
	w := a.stdout
	for _, res := range r.Results {
		printResult(w, verb, res, fl.dryRun)
	}
	fmt.Fprintln(w, summary(verb, r, fl.dryRun))
	return nil
}

// summary is the last line of a fleet run's report. It says what was done,
// in the words of the command: a dry run changed nothing, and exec ran SQL
// that may have changed nothing.
func summary(verb string, r *fleet.Report, dry bool) string {
	took := r.Duration.Round(time.Millisecond)
	var s string
	switch {
	case dry && verb == "exec":
		s = fmt.Sprintf("exec --dry-run: would run in %s; nothing ran", plural(r.UpToDate, "schema"))
	case dry:
		s = fmt.Sprintf("migrate --dry-run: %s", wouldApply(r))
	case verb == "exec":
		s = fmt.Sprintf("exec: ran in %s in %s", plural(r.Changed, "schema"), took)
		if r.Failed > 0 {
			s = fmt.Sprintf("exec: ran in %d of %s in %s; %d failed (rolled back)", r.Changed, plural(r.Total, "schema"), took, r.Failed)
		}
	default:
		rate := float64(r.Total) / max(r.Duration.Seconds(), 1e-9)
		s = fmt.Sprintf("%s: %s in %s (%.0f/s): %d migrated, %d up to date, %d failed",
			verb, plural(r.Total, "schema"), took, rate, r.Changed, r.UpToDate, r.Failed)
	}
	if r.Interrupted > 0 {
		s += fmt.Sprintf("; %d interrupted (rolled back)", r.Interrupted)
	}
	if r.NotReached > 0 {
		s += fmt.Sprintf("; %d not reached", r.NotReached)
	}
	return s
}

// wouldApply sums up a dry run of migrate.
func wouldApply(r *fleet.Report) string {
	migrations := 0
	for _, res := range r.Results {
		migrations += len(res.Applied)
	}
	if migrations == 0 {
		return fmt.Sprintf("nothing to apply: %s up to date, %d failed", plural(r.UpToDate, "schema"), r.Failed)
	}
	return fmt.Sprintf("would apply %s to %s; %d up to date, %d failed; nothing was changed",
		plural(migrations, "migration"), plural(r.Changed, "schema"), r.UpToDate, r.Failed)
}

func printResult(w io.Writer, verb string, res fleet.Result, dry bool) {
	switch {
	case res.Err != nil:
		fmt.Fprintf(w, "FAILED  %s (at version %d): %s\n", res.Schema, res.From, res.Error)
	case res.Interrupted:
		// Its version may not have been read before the interruption.
		fmt.Fprintf(w, "INTERRUPTED  %s: rolled back, left as it was\n", res.Schema)
	case verb == "exec" && dry:
		fmt.Fprintf(w, "would run in  %s\n", res.Schema)
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
	fmt.Fprintln(a.stdout, plural(len(schemas), "schema"))
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
