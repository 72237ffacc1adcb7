package fleet

import (
	"time"
)

// Result is what a run did to one schema.
type Result struct {
	Schema   string        `json:"schema"`
	Kind     Kind          `json:"kind"`
	From     int           `json:"from_version"`
	To       int           `json:"to_version"`
	Applied  []int         `json:"applied,omitempty"`
	Labels   []string      `json:"migrations,omitempty"` // the applied migrations' labels, lines included
	Skipped  bool          `json:"up_to_date,omitempty"` // nothing to do, known from the fleet summary
	Output   []Output      `json:"output,omitempty"`     // Exec only
	Err      error         `json:"-"`
	Error    string        `json:"error,omitempty"`
	Version  int           `json:"failed_version,omitempty"` // the migration that failed
	Duration time.Duration `json:"duration_ns"`
}

// Report sums up a run.
type Report struct {
	Results  []Result      `json:"results"`
	Total    int           `json:"total"`
	Changed  int           `json:"changed"`    // schemas that had work done
	UpToDate int           `json:"up_to_date"` // schemas with nothing to do
	Failed   int           `json:"failed"`
	Duration time.Duration `json:"duration_ns"`

	done int // schemas finished so far, for Options.Progress
}

// OK reports whether no schema failed.
func (r *Report) OK() bool { return r.Failed == 0 }

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
	// Progress, when set, is called after each schema with the count done
	// so far and the total. Calls come from one goroutine at a time.
	Progress func(done, total int, r Result)
}
