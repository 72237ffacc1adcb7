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
	t.row(fmt.Sprintf("provision (from spare pool, %s, no admin user)", app), n(r.Spare), r.Spare,
		"target p50 < "+ms(SpareTarget), verdict(r.Spare.P50 < SpareTarget))
	t.row(fmt.Sprintf("provision (cold, %s, no admin user)", app), n(r.Cold), r.Cold,
		"target p50 < "+ms(ProvisionTarget), verdict(r.Cold.P50 < ProvisionTarget))
	t.row("  raw DDL of the tenant set alone", n(r.RawDDL), r.RawDDL, "(schema + DDL + commit; no role, ledger or registry)")
	t.row("  provision with an admin user", n(r.WithAdmin), r.WithAdmin, "(argon2id hash included)")
	t.row("  argon2id hash alone", n(r.Hash), r.Hash)
	t.flush()
	over := 100 * (float64(r.Cold.P50)/float64(max(r.RawDDL.P50, 1)) - 1)
	fmt.Fprintf(out, "  provisioning over raw DDL (p50 - p50): %s, %+.1f%% (target: within %.0f%%) %s\n",
		ms(r.Cold.P50-r.RawDDL.P50), over, ColdOverRawTarget, verdict(over <= ColdOverRawTarget))
	fmt.Fprintf(out, "  spare pool filled first, untimed above: %d spares in %s (%s each)\n",
		r.Spares, secs(r.Fill), ms(r.Fill/time.Duration(max(r.Spares, 1))))
}

func n(s Stats) string { return fmt.Sprintf("n=%d", s.N) }

func (r *FleetResult) print(out io.Writer) {
	fmt.Fprintf(out, "fleet migration (%d-table app, %d tenant schemas, parallel=%d)\n", r.Tables, r.Schemas, r.Parallel)
	fmt.Fprintf(out, "  setup (not measured below): %d tenants provisioned and checkpointed in %s, %.1f tenants/s with %d workers\n",
		r.Schemas, secs(r.Setup), perSecond(r.Schemas, r.Setup), setupWorkers)
	c, z := r.Change, r.NoOp
	t := newTable(out)
	t.row("  what", "figure", "", "target")
	t.row("  migrate: add a column + a table", fmt.Sprintf("%.1f schemas/s", c.Rate),
		fmt.Sprintf("%d schemas in %s (+ select %s)", c.Changed, secs(c.Migrate), secs(c.Select)),
		fmt.Sprintf(">= %.0f schemas/s", FleetRateTarget), verdict(c.Rate >= FleetRateTarget))
	t.row("    each schema", c.PerSchema.String(), fmt.Sprintf("failed %d", c.Failed))
	t.row("  migrate: nothing to apply", secs(z.Total()), fmt.Sprintf("select %s + migrate %s%s",
		secs(z.Select), secs(z.Migrate), scaled(z.Total(), r.Schemas)),
		fmt.Sprintf("< %s at %d", secs(NoOpTarget), NoOpTargetAt), verdict(z.Total() < NoOpTarget))
	t.flush()
	fmt.Fprintf(out, "  check: %d of %d tenant schemas hold the change; %d found current by the second run\n",
		r.Migrated, r.Schemas, z.UpToDate)
}

// scaled extrapolates d, measured at n schemas, linearly to NoOpTargetAt:
// an upper bound, since part of d does not grow with n. Below 1,000 schemas
// the fixed part dominates and it says nothing.
func scaled(d time.Duration, n int) string {
	if n < 1000 || n >= NoOpTargetAt {
		return ""
	}
	return fmt.Sprintf("; at most ~%s at %d if linear", secs(d*NoOpTargetAt/time.Duration(n)), NoOpTargetAt)
}

func printSweep(out io.Writer, tables, schemas int, points []SweepPoint) {
	fmt.Fprintf(out, "fleet migration by parallelism (%d-table app, %d tenant schemas, two changes per line, the values run in order then in reverse)\n", tables, schemas)
	t := newTable(out)
	best := 0
	for i, p := range points {
		t.row(fmt.Sprintf("  parallel=%d", p.Parallel), fmt.Sprintf("%.1f schemas/s", p.Run.Rate),
			secs(p.Run.Migrate), "each "+p.Run.PerSchema.String(), fmt.Sprintf("failed %d", p.Run.Failed))
		if p.Run.Rate > points[best].Run.Rate {
			best = i
		}
	}
	t.flush()
	if len(points) > 0 {
		fmt.Fprintf(out, "  fastest: parallel=%d\n", points[best].Parallel)
	}
}
