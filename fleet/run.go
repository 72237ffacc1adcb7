package fleet

import (
	"context"
	"slices"
	"sync"
	"time"
)

// run works through schemas with up to opts.Parallel workers, calling do for
// each, and adds the results to report in the order of schemas. Schemas not
// started when ctx ends are left out of the report.
func (f *Fleet) run(ctx context.Context, schemas []Schema, report *Report, opts *Options, do func(context.Context, Schema) Result) {
	workers := min(max(opts.Parallel, 1), int(f.pool.Config().MaxConns), max(len(schemas), 1))
	jobs := make(chan int)
	results := make(chan indexed)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				if ctx.Err() != nil {
					continue // handed out as ctx ended: not reached
				}
				results <- indexed{i, do(ctx, schemas[i])}
			}
		})
	}
	go func() {
		defer close(jobs)
		for i := range schemas {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var got []indexed
	for r := range results {
		got = append(got, r)
		report.progress(opts, r.res)
	}
	slices.SortFunc(got, func(a, b indexed) int { return a.i - b.i })
	for _, r := range got {
		report.add(r.res)
	}
}

type indexed struct {
	i   int
	res Result
}

// progress tells opts.Progress of one more schema done.
func (r *Report) progress(opts *Options, res Result) {
	r.done++
	if opts.Progress != nil {
		opts.Progress(r.done, r.Total, res)
	}
}

func finish(r *Report, start time.Time) *Report {
	r.Duration = time.Since(start)
	return r
}
