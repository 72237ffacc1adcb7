package leakhunt

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what a hunt did and found.
type Report struct {
	Tenants, Clients int
	Seed             uint64
	Elapsed          time.Duration // how long the clients ran
	Requests         int           // HTTP requests sent, cancelled ones included
	Operations       int           // library operations (tenant transactions and pipelines)
	// ConnsOpened is how many connections the pool opened while the clients
	// ran: a query cut short by its context closes its connection.
	ConnsOpened   int64
	Actions       map[string]*ActionStats
	P50, P99      time.Duration       // of the HTTP requests answered
	Errors        map[string]int      // by kind (Error5xx, ErrorStatus, ...)
	ErrorExamples map[string][]string // the first few of each kind
	Leaks         int
	LeakExamples  []Finding // the first few
	// Warnings count, by kind (WarnAbandoned5xx, WarnAbandonedLog), what
	// the server did wrong for requests their clients had cut short.
	Warnings        map[string]int
	WarningExamples map[string][]string
}

func newReport(cfg *Config, st *stats, elapsed time.Duration) *Report {
	r := &Report{Tenants: cfg.Tenants, Clients: cfg.Clients, Seed: cfg.Seed, Elapsed: elapsed,
		Requests: st.requests, Operations: st.libraryOps, Actions: st.actions,
		Errors: st.errors, ErrorExamples: st.examples, Leaks: st.leaks, LeakExamples: st.findings,
		Warnings: st.warnings, WarningExamples: st.warnExamples}
	r.P50, r.P99 = percentiles(st.latencies)
	for _, a := range r.Actions {
		a.P50, a.P99 = percentiles(a.latencies)
	}
	return r
}

// RPS is HTTP requests per second.
func (r *Report) RPS() float64 { return perSecond(r.Requests, r.Elapsed) }

// OPS is library operations per second.
func (r *Report) OPS() float64 { return perSecond(r.Operations, r.Elapsed) }

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// OK reports whether the hunt found no leak and no 5xx, seen by a client or
// logged by the server.
func (r *Report) OK() bool {
	return r.Leaks == 0 && r.Errors[Error5xx] == 0 && r.Errors[ErrorServer5xx] == 0
}

// ErrorCount is the number of errors of every kind.
func (r *Report) ErrorCount() int {
	n := 0
	for _, k := range r.Errors {
		n += k
	}
	return n
}

// Print writes the report as a table of actions and a summary.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "\nleak hunt: %d tenants, %d clients, %s, seed %d\n", r.Tenants, r.Clients, r.Elapsed.Round(time.Millisecond), r.Seed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "action\truns\toutcomes\terrors\tleaks\tp50\tp99")
	for _, name := range slices.Sorted(maps.Keys(r.Actions)) {
		a := r.Actions[name]
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%s\t%s\n", name, a.Runs, outcomes(a.Outcomes), a.Errors, a.Leaks, ms(a.P50), ms(a.P99))
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "HTTP requests: %d (%.0f/s), p50 %s, p99 %s; library operations: %d (%.0f/s)\n",
		r.Requests, r.RPS(), ms(r.P50), ms(r.P99), r.Operations, r.OPS())
	fmt.Fprintf(w, "by status: %s\n", outcomes(r.statuses()))
	fmt.Fprintf(w, "pool connections opened during the run: %d (a query cut short closes its connection)\n", r.ConnsOpened)
	printCounts(w, "errors", r.Errors, r.ErrorExamples)
	printCounts(w, "warnings", r.Warnings, r.WarningExamples)
	fmt.Fprintf(w, "leaks: %d\n", r.Leaks)
	for _, f := range r.LeakExamples {
		fmt.Fprintf(w, "  LEAK %s\n", f)
	}
}

// printCounts prints counts by kind with their examples, as errors or
// warnings.
func printCounts(w io.Writer, what string, counts map[string]int, examples map[string][]string) {
	total := 0
	for _, n := range counts {
		total += n
	}
	if total == 0 {
		fmt.Fprintf(w, "%s: none\n", what)
		return
	}
	fmt.Fprintf(w, "%s: %d\n", what, total)
	for _, kind := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(w, "  %s: %d\n", kind, counts[kind])
		for _, ex := range examples[kind] {
			fmt.Fprintf(w, "    e.g. %s\n", ex)
		}
	}
}

// statuses sums the actions' outcomes over every action.
func (r *Report) statuses() map[string]int {
	all := map[string]int{}
	for _, a := range r.Actions {
		for k, n := range a.Outcomes {
			if _, err := strconv.Atoi(k); err == nil || k == "cancelled" || k == "no answer" {
				all[k] += n
			}
		}
	}
	return all
}

// outcomes renders counts as "200:51 404:3 cancelled:2", statuses first.
func outcomes(m map[string]int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		_, errA := strconv.Atoi(a)
		_, errB := strconv.Atoi(b)
		if (errA == nil) != (errB == nil) {
			if errA == nil {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ":" + strconv.Itoa(m[k])
	}
	return strings.Join(parts, " ")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
