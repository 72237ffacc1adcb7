package limits

import (
	"context"
	"time"

	"github.com/tenantry/tenantry"
)

// JobGate caps each tenant's jobs running at once in one worker process
// at its plan's max_jobs. It implements jobs.Limiter. It is safe for
// concurrent use.
type JobGate struct {
	plans *Plans
	retry time.Duration
	slots *slots
}

// NewJobGate returns a job gate reading the plans from plans. A job over
// its tenant's cap is put off for retry (0: 5 seconds).
func NewJobGate(plans *Plans, retry time.Duration) *JobGate {
	if retry <= 0 {
		retry = 5 * time.Second
	}
	return &JobGate{plans: plans, retry: retry, slots: newSlots()}
}

// StartJob takes one of t's job slots without waiting: the worker stays
// free for other tenants' jobs. It returns the function that gives the
// slot back, or ok false and when to try the job again. When the plans
// cannot be read, the job runs.
func (g *JobGate) StartJob(ctx context.Context, t *tenantry.Tenant) (done func(), retry time.Duration, ok bool) {
	l, err := g.plans.For(ctx, t)
	if err != nil || l.MaxJobs <= 0 {
		return func() {}, 0, true
	}
	release, ok := g.slots.acquire(ctx, t.ID, l.MaxJobs, 0)
	if !ok {
		return nil, g.retry, false
	}
	return release, 0, true
}

// Running returns how many jobs of tenant id hold a slot now.
func (g *JobGate) Running(id int64) int { return g.slots.busy(id) }
