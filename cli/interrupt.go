package cli

import (
	"fmt"
	"strings"

	"github.com/tenantry/tenantry/fleet"
)

// interruptedError is a fleet run stopped by SIGINT or SIGTERM (exit status
// ExitInterrupted). It is not a failure: the schemas done keep their work,
// the one being worked on rolled back, the rest were not touched, and
// running the command again resumes.
type interruptedError struct {
	verb   string
	report *fleet.Report // nil when the run had not started
}

func (e *interruptedError) Error() string {
	r := e.report
	if r == nil {
		return e.verb + " interrupted before it started: nothing changed; run it again"
	}
	done := len(r.Results) - r.Interrupted
	var b strings.Builder
	fmt.Fprintf(&b, "%s interrupted: %d of %s done", e.verb, done, plural(r.Total, "schema"))
	if r.Interrupted > 0 || r.NotReached > 0 {
		fmt.Fprintf(&b, "; %d rolled back and %d not reached are unchanged", r.Interrupted, r.NotReached)
	}
	if r.Failed > 0 {
		fmt.Fprintf(&b, "; %d failed (see above)", r.Failed)
	}
	b.WriteString("; run it again to resume")
	return b.String()
}
