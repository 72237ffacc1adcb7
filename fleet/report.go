package fleet

import (
	"time"
)

// Result is what a run did to one schema.
type Result struct {
	Schema  string   `json:"schema"`
	Kind    Kind     `json:"kind"`
	From    int      `json:"from_version"`
	To      int      `json:"to_version"`
	Applied []int    `json:"applied,omitempty"`
	Labels  []string `json:"migrations,omitempty"` // the applied migrations' labels, lines included
	Skipped bool     `json:"up_to_date,omitempty"` // nothing to do, known from the fleet summary
	// Interrupted: the run's context ended while the schema was being
	// worked on; its transaction was cut short and rolled back, leaving it
	// as it was (From is 0 if its version had not been read yet). It is
	// neither a failure nor a change.
	Interrupted bool          `json:"interrupted,omitempty"`
	Output      []Output      `json:"output,omitempty"` // Exec only
	Err         error         `json:"-"`
	Error       string        `json:"error,omitempty"`
	Version     int           `json:"failed_version,omitempty"` // the migration that failed
	Duration    time.Duration `json:"duration_ns"`
}

// Report sums up a run.
type Report struct {
	Results  []Result `json:"results"`
	Total    int      `json:"total"`
	Changed  int      `json:"changed"`    // migrations applied, or Exec's SQL run (whatever it did)
	UpToDate int      `json:"up_to_date"` // schemas with nothing to do
	Failed   int      `json:"failed"`
	// Interrupted counts the schemas cut short when the run's context
	// ended, NotReached those it never started; both are left as they
	// were, and a new run does them.
	Interrupted int           `json:"interrupted"`
	NotReached  int           `json:"not_reached"`
	Duration    time.Duration `json:"duration_ns"`

	done int // schemas finished so far, for Options.Progress
}

// OK reports whether no schema failed. An interrupted run may be OK: see
// Complete.
func (r *Report) OK() bool { return r.Failed == 0 }

// Complete reports whether every schema was done: none was interrupted or
// left unreached.
func (r *Report) Complete() bool { return r.Interrupted == 0 && r.NotReached == 0 }

// Failures returns the failed schemas' results.
func (r *Report) Failures() []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Err != nil {
			out = append(out, res)
		}
	}
	return out
}

func (r *Report) add(res Result) {
	r.Results = append(r.Results, res)
	switch {
	case res.Err != nil:
		r.Failed++
	case res.Interrupted:
		r.Interrupted++
	case res.Skipped || (len(res.Applied) == 0 && res.Output == nil):
		r.UpToDate++
	default:
		r.Changed++
	}
}

// Options adjust a run.
type Options struct {
	// Parallel is the number of schemas worked on at once. Default 1; it is
	// capped at the pool's size.
	Parallel int
	// DryRun reports what would be done and changes nothing.
	DryRun bool
	// Maintenance puts each tenant in maintenance (503 with Retry-After on
	// its hosts) while its own schema migrates, and only then: tenants
	// whose schemas are current are not touched. Migrate only.
	Maintenance bool
	// Progress, when set, is called after each schema with the count done
	// so far and the total. Calls come from one goroutine at a time.
	Progress func(done, total int, r Result)
}
