package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// table writes aligned rows of tab-separated cells to out.
type table struct{ w *tabwriter.Writer }

func newTable(out io.Writer) *table {
	return &table{w: tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)}
}

// row writes one row; the cells are joined with tabs.
func (t *table) row(cells ...any) {
	for i, c := range cells {
		if i > 0 {
			fmt.Fprint(t.w, "\t")
		}
		fmt.Fprint(t.w, c)
	}
	fmt.Fprintln(t.w)
}

// flush writes the aligned rows out.
func (t *table) flush() { _ = t.w.Flush() } // the writer's own error is the output's, shown nowhere better

func (r *ProvisionResult) print(out io.Writer) {
	app := fmt.Sprintf("%d-table app", r.Tables)
	t := newTable(out)
	t.row(fmt.Sprintf("provision (cold, %s, no admin user)", app), n(r.Cold), r.Cold,
		"target p50 < "+ms(ProvisionTarget), verdict(r.Cold.P50 < ProvisionTarget))
	t.row("  raw DDL of the tenant set alone", n(r.RawDDL), r.RawDDL, "(no ledger, role, registry or commit)")
	t.row("  provision with an admin user", n(r.WithAdmin), r.WithAdmin, "(argon2id hash included)")
	t.row("  argon2id hash alone", n(r.Hash), r.Hash)
	t.flush()
	fmt.Fprintf(out, "  provisioning over raw DDL (p50 - p50): %s\n", ms(r.Cold.P50-r.RawDDL.P50))
}

func n(s Stats) string { return fmt.Sprintf("n=%d", s.N) }

func (r *FleetResult) print(out io.Writer) {
	fmt.Fprintf(out, "fleet migration (%d-table app, %d tenant schemas, parallel=%d)\n", r.Tables, r.Schemas, r.Parallel)
	fmt.Fprintf(out, "  setup (not measured below): %d tenants provisioned in %s, %.1f tenants/s with %d workers\n",
		r.Schemas, secs(r.Setup), perSecond(r.Schemas, r.Setup), setupWorkers)
	t := newTable(out)
	t.row("  what", "figure", "", "target")
	t.row("  migrate: add a column + a table", fmt.Sprintf("%.1f schemas/s", r.Rate),
		fmt.Sprintf("%d schemas in %s (+ select %s)", r.Changed, secs(r.Migrate), secs(r.Select)),
		fmt.Sprintf(">= %.0f schemas/s", FleetRateTarget), verdict(r.Rate >= FleetRateTarget))
	t.row("    each schema", r.PerSchema.String(), fmt.Sprintf("failed %d, changed %d", r.Failed, r.Changed))
	t.row("  migrate: nothing to apply", secs(r.NoOp()),
		fmt.Sprintf("select %s + migrate %s; ~%s at %d by linear scaling", secs(r.NoOpSelect), secs(r.NoOpMigrate),
			secs(r.NoOp()*NoOpTargetAt/time.Duration(max(r.Schemas, 1))), NoOpTargetAt),
		fmt.Sprintf("< %s at %d", secs(NoOpTarget), NoOpTargetAt), verdict(r.NoOp() < NoOpTarget))
	t.flush()
	fmt.Fprintf(out, "  check: %d of %d tenant schemas hold the change; %d found current by the second run\n",
		r.Migrated, r.Schemas, r.UpToDate)
}
