package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
)

type txKey struct{}

// Tx returns the tenant transaction a tenant job's worker runs in, or nil
// outside one. It is committed when the worker returns nil and rolled back
// when it fails; use it only until the worker returns.
func Tx(ctx context.Context) *tenantdb.Tx {
	tx, _ := ctx.Value(txKey{}).(*tenantdb.Tx)
	return tx
}

// scope returns the tenant and transaction the middleware gave a tenant
// job's worker.
func scope(ctx context.Context) (*tenantry.Tenant, *tenantdb.Tx, error) {
	t, ok := tenantry.FromContext(ctx)
	tx := Tx(ctx)
	if !ok || tx == nil {
		return nil, nil, errors.New("a tenant job ran without its tenant transaction: is the client made by jobs.New?")
	}
	return t, tx, nil
}

// tenantMiddleware runs tenant jobs inside their tenant and refuses those
// whose tenant is gone or not active. Other jobs pass through.
type tenantMiddleware struct {
	river.WorkerMiddlewareDefaults
	pool   *pgxpool.Pool
	db     *tenantdb.DB
	kinds  map[string]tenantDecoder // the tenant jobs' kinds
	logger *slog.Logger
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
	return m.db.InTenant(ctx, t, func(tx *tenantdb.Tx) error {
		return doInner(context.WithValue(tenantry.WithTenant(ctx, t), txKey{}, tx))
	})
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
