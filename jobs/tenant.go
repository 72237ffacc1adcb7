package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
)

// dbKey carries the tenantdb.DB of a tenant job's worker.
type dbKey struct{}

// InTenant runs fn in a transaction of the running tenant job's tenant
// (tenantdb.DB.InTenant): unqualified names resolve to the tenant's schema,
// and the transaction commits when fn returns nil and rolls back when it
// fails. A tenant job's worker opens one for each piece of database work
// and waits on the network (mail, HTTP) only between them, so that no job
// holds a connection while it waits: read what is needed, commit, send,
// then record the result in another. Do not nest them: each takes a
// connection of its own. Outside a tenant job's worker InTenant fails with
// an error wrapping tenantry.ErrNoTenant.
func InTenant(ctx context.Context, fn func(tx *tenantdb.Tx) error) error {
	db, _ := ctx.Value(dbKey{}).(*tenantdb.DB)
	t, ok := tenantry.FromContext(ctx)
	if db == nil || !ok {
		return fmt.Errorf("jobs.InTenant outside a tenant job's worker (is the client made by jobs.New?): %w",
			tenantry.ErrNoTenant)
	}
	return db.InTenant(ctx, t, fn)
}

// tenantMiddleware gives tenant jobs their tenant, and the means to open
// its transactions (InTenant), and refuses those whose tenant is gone or
// not active. Other jobs pass through. It opens no transaction itself: the
// worker opens short ones as it needs them.
type tenantMiddleware struct {
	river.WorkerMiddlewareDefaults
	pool    *pgxpool.Pool
	db      *tenantdb.DB
	kinds   map[string]tenantDecoder // the tenant jobs' kinds
	logger  *slog.Logger
	limiter Limiter // nil: no cap
}

// Limiter caps how many of one tenant's jobs run at once in this process
// (limits.JobGate is one), so that one tenant's burst of jobs cannot take
// every worker.
type Limiter interface {
	// StartJob takes a slot for one of t's jobs without waiting. It returns
	// the function that gives it back when the job ends, or ok false and
	// how long to put the job off (it is snoozed: the attempt is not
	// counted).
	StartJob(ctx context.Context, t *tenantry.Tenant) (done func(), retry time.Duration, ok bool)
}

// Work implements rivertype.WorkerMiddleware.
func (m *tenantMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	decode, ok := m.kinds[job.Kind]
	if !ok {
		return doInner(ctx)
	}
	id, err := decode(job.EncodedArgs)
	if err != nil {
		return m.refuse(ctx, job, 0, err)
	}
	t, err := m.tenant(ctx, job, id)
	if err != nil {
		return err
	}
	if m.limiter != nil {
		done, retry, ok := m.limiter.StartJob(ctx, t)
		if !ok {
			m.logger.DebugContext(ctx, "tenant job put off: its tenant has its plan's jobs running", "job_id", job.ID,
				"kind", job.Kind, "tenant", t.Slug, "retry_in", retry)
			return river.JobSnooze(retry)
		}
		defer done()
	}
	return doInner(context.WithValue(tenantry.WithTenant(ctx, t), dbKey{}, m.db))
}

// tenant reads tenant id from the registry, bypassing every cache. A tenant
// that is missing, being deleted or not active makes a cancellation; a
// failed read, an error River retries.
func (m *tenantMiddleware) tenant(ctx context.Context, job *rivertype.JobRow, id int64) (*tenantry.Tenant, error) {
	if id <= 0 {
		return nil, m.refuse(ctx, job, id, errors.New("the job names no tenant"))
	}
	t, err := registry.Find(ctx, m.pool, strconv.FormatInt(id, 10))
	switch {
	case errors.Is(err, tenantry.ErrTenantNotFound) || (err == nil && (t.ID != id || t.Deleting())):
		return nil, m.refuse(ctx, job, id, fmt.Errorf("tenant #%d no longer exists: %w", id, tenantry.ErrTenantNotFound))
	case err != nil:
		return nil, fmt.Errorf("load tenant #%d for job %d: %w", id, job.ID, err)
	case !t.Active():
		return nil, m.refuse(ctx, job, id, fmt.Errorf("tenant %s is %s: %w", t, t.Status, tenantry.ErrTenantInactive))
	}
	return t, nil
}

// refuse logs why a tenant job will not run and returns the error that
// cancels it: running it later would not help.
func (m *tenantMiddleware) refuse(ctx context.Context, job *rivertype.JobRow, tenantID int64, reason error) error {
	m.logger.WarnContext(ctx, "tenant job cancelled", "job_id", job.ID, "kind", job.Kind,
		"tenant_id", tenantID, "reason", reason.Error())
	return river.JobCancel(fmt.Errorf("job %d (%s) cancelled: %w", job.ID, job.Kind, reason))
}
