// Package pgerr reads PostgreSQL errors: it renders them with the detail and
// hint that their bare message leaves out, and names the conditions the
// library turns into its own errors.
package pgerr

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// SQLSTATE codes the library acts on.
const (
	UniqueViolation = "23505"
	DuplicateSchema = "42P06"
	DuplicateObject = "42710"
	// InsufficientPrivilege: permission denied, a row-level security policy
	// refused a row, or the audit log refused a change.
	InsufficientPrivilege = "42501"
	// TenantGone is Tenantry's own: public.tenantry_enter_tenant refused to
	// open a transaction for a tenant that is being deleted or no longer
	// exists (shared migration 0008).
	TenantGone = "TN404"
	// QueryCanceled: a statement cancelled by statement_timeout or a
	// cancel request.
	QueryCanceled = "57014"
)

// Describe renders err; for a PostgreSQL error it adds the SQLSTATE, the
// detail and the hint.
func Describe(err error) string {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err.Error()
	}
	msg := pgErr.Message + " (SQLSTATE " + pgErr.Code + ")"
	if pgErr.Detail != "" {
		msg += ": " + pgErr.Detail
	}
	if pgErr.Hint != "" {
		msg += "; hint: " + pgErr.Hint
	}
	return msg
}

// Code returns err's SQLSTATE, or "" when err is not a PostgreSQL error.
func Code(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// Table returns the table a PostgreSQL error names, if any.
func Table(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.TableName
	}
	return ""
}
