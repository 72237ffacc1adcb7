package jobs

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/mail"
)

// EnqueueTx adds a job within tx, a transaction of the caller's on the
// database of the client's pool: the job exists only if tx commits, and is
// not worked before. tx's search_path does not matter. It must not be a
// tenant transaction while tenant roles are on (tenantdb.Config): the
// tenant's role has no rights on the job table. A tenant job without a
// tenant id is refused with a *tenantry.ValidationError.
func (j *Jobs) EnqueueTx(ctx context.Context, tx pgx.Tx, args river.JobArgs) error {
	if err := checkArgs(args); err != nil {
		return err
	}
	if _, err := j.client.InsertTx(ctx, tx, args, nil); err != nil {
		return fmt.Errorf("enqueue %s job: %w", args.Kind(), err)
	}
	return nil
}

// Enqueue is EnqueueTx in a transaction of its own on the client's pool.
func (j *Jobs) Enqueue(ctx context.Context, args river.JobArgs) error {
	if err := checkArgs(args); err != nil {
		return err
	}
	if _, err := j.client.Insert(ctx, args, nil); err != nil {
		return fmt.Errorf("enqueue %s job: %w", args.Kind(), err)
	}
	return nil
}

// EnqueueEmail adds an EmailArgs job sending m within tx (see EnqueueTx).
func (j *Jobs) EnqueueEmail(ctx context.Context, tx pgx.Tx, m mail.Message) error {
	return j.EnqueueTx(ctx, tx, EmailArgs{Message: m})
}

// EnqueueWelcome adds a WelcomeArgs job within tx (see EnqueueTx) for user
// userID of tenant tenantID, whose site is at siteURL, an absolute http or
// https URL.
func (j *Jobs) EnqueueWelcome(ctx context.Context, tx pgx.Tx, tenantID, userID int64, siteURL string) error {
	u, err := url.Parse(siteURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &tenantry.ValidationError{Field: "url", Value: siteURL, Reason: "must be an absolute http or https URL"}
	}
	return j.EnqueueTx(ctx, tx, WelcomeArgs{TenantArgs: TenantArgs{TenantID: tenantID}, UserID: userID, URL: siteURL})
}

// EnqueueSeed adds a SeedArgs job for tenant tenantID within tx (see
// EnqueueTx).
func (j *Jobs) EnqueueSeed(ctx context.Context, tx pgx.Tx, tenantID int64) error {
	return j.EnqueueTx(ctx, tx, SeedArgs{TenantArgs: TenantArgs{TenantID: tenantID}})
}

// EnqueueRefill adds a RefillArgs job within tx (see EnqueueTx), unless one
// is already waiting to run (available, scheduled or retryable), which
// then does the work: that is not an error. A running refill does not
// count. A working client without a Refiller refuses it.
func (j *Jobs) EnqueueRefill(ctx context.Context, tx pgx.Tx) error {
	if !j.insertOnly && !j.refill {
		return fmt.Errorf("enqueue %s job: this client has no Refiller", KindRefill)
	}
	waiting, err := refillWaiting(ctx, tx)
	if err != nil || waiting {
		return err
	}
	return j.EnqueueTx(ctx, tx, RefillArgs{})
}

func checkArgs(args river.JobArgs) error {
	if tj, ok := args.(TenantJob); ok && tj.JobTenant() <= 0 {
		return &tenantry.ValidationError{Field: "tenant_id", Value: fmt.Sprint(tj.JobTenant()),
			Reason: "a tenant job needs the id of its tenant"}
	}
	if e, ok := args.(EmailArgs); ok && len(e.Message.To) == 0 {
		return &tenantry.ValidationError{Field: "to", Reason: "a message needs at least one recipient"}
	}
	return nil
}
