package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"time"
)

// Report is one benchmark run as written to a JSON file: what ran, where,
// on which commit, and its figures (the benchmark's result value), so
// that two commits' runs can be compared.
type Report struct {
	Benchmark   string      `json:"benchmark"` // e.g. "provision"
	Args        []string    `json:"args"`      // the command line
	Commit      string      `json:"commit,omitempty"`
	Modified    bool        `json:"modified,omitempty"` // built from a tree with changes not committed
	Started     time.Time   `json:"started"`
	Elapsed     string      `json:"elapsed"`
	Environment Environment `json:"environment"`
	Result      any         `json:"result"`
}

// NewReport returns a report of benchmark started now, with the commit the
// binary was built from when the build recorded it.
func NewReport(benchmark string, args []string, env Environment) *Report {
	r := &Report{Benchmark: benchmark, Args: args, Started: time.Now().UTC(), Environment: env}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				r.Commit = s.Value
			case "vcs.modified":
				r.Modified = s.Value == "true"
			}
		}
	}
	return r
}

// Write sets the result and the elapsed time and writes the report to
// path as indented JSON.
func (r *Report) Write(path string, result any) error {
	r.Result = result
	r.Elapsed = time.Since(r.Started).Round(time.Millisecond).String()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: encode the %s report: %w", r.Benchmark, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("bench: write the %s report: %w", r.Benchmark, err)
	}
	return nil
}
