package fleet

import (
	"context"
	"errors"
	"fmt"
)

// ErrInterrupted is returned, wrapped with the context's error, by Migrate
// and Exec when their context ends before every schema is done. The report
// returned with it counts the schemas done, cut short (Result.Interrupted,
// rolled back) and never started (Report.NotReached). Nothing is half done:
// a new run picks up where this one stopped.
var ErrInterrupted = errors.New("interrupted")

// interrupted reports whether err, from work on one schema, came from ctx
// ending: a cancelled query, a connection closed under it.
func interrupted(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() != nil
}

// markInterrupted makes res the result of a schema cut short: left at its
// version before, no migration applied, no output.
func markInterrupted(res *Result) {
	res.Interrupted, res.To, res.Applied, res.Output = true, res.From, nil, nil
	res.Error = "interrupted: rolled back"
}

// end completes report once a run stops and returns ErrInterrupted when ctx
// ended before every schema was done.
func end(ctx context.Context, report *Report) error {
	report.NotReached = report.Total - len(report.Results)
	if ctx.Err() == nil || report.Complete() {
		return nil
	}
	return fmt.Errorf("%w after %d of %d schemas: %w", ErrInterrupted,
		len(report.Results)-report.Interrupted, report.Total, ctx.Err())
}
