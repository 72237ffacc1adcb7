package limits

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// quotaCode is the SQLSTATE of public.tenantry_admit_user's refusal.
const quotaCode = "TN403"

// AdmitUser checks, in the transaction q that is about to add a user to
// its tenant, that the tenant's plan allows one more (max_users). q is a
// tenant transaction (tenantdb.Tx) or platform work under the login role
// with tenantry.tenant_id set; outside a tenant it does nothing. When the
// plan has a limit, the tenant's user-count lock is held until q ends, so
// concurrent additions take turns and cannot overshoot together: add the
// user in the same transaction. Over the limit it returns a *QuotaError
// (wrapping ErrLimited) naming max_users. auth.CreateUser calls it: every
// path that adds a user goes through it.
func AdmitUser(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}) error {
	var void bool
	err := q.QueryRow(ctx, "SELECT public.tenantry_admit_user() IS NULL").Scan(&void)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == quotaCode {
		max, _ := strconv.ParseInt(pe.Detail, 10, 64)
		return &QuotaError{Limit: pe.ConstraintName, Plan: pe.Hint, Max: max}
	}
	if err != nil {
		return fmt.Errorf("check the tenant's user limit: %w", err)
	}
	return nil
}
