package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tenantry/tenantry/provision"
)

// setupWorkers is the number of tenants Fleet provisions at once while
// setting up: enough to keep two cores busy through the commits' waits.
const setupWorkers = 4

// populate provisions tenants 1..n with workers goroutines. The first
// error stops the others.
func populate(ctx context.Context, s *session, p *provision.Provisioner, n, workers int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	start := time.Now()
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := int(next.Add(1)); i <= n && ctx.Err() == nil; i = int(next.Add(1)) {
				if _, err := timeCreate(ctx, p, i, false); err != nil {
					cancel(err)
					return
				}
				s.logProgress(int(done.Add(1)), n, start)
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// logProgress logs every tenth of the setup.
func (s *session) logProgress(done, total int, start time.Time) {
	if step := max(total/10, 1); done%step == 0 || done == total {
		s.cfg.Logger.Info("setup", "tenants", done, "of", total, "elapsed", time.Since(start).Round(time.Millisecond))
	}
}
