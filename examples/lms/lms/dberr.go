package lms

import (
	"errors"
	"fmt"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL's codes for the constraint violations the rules below expect.
const (
	foreignKeyViolation = "23503"
	uniqueViolation     = "23505"
	checkViolation      = "23514"
)

// conflicts says what a violated constraint means to the user; the
// constraint's name picks the message.
type conflicts map[string]error

// dbError translates err from doing what: a violated constraint named in
// known becomes its error; any other check violation is a 422 (a value the
// handlers' checks let through but the schema refuses); the rest is
// wrapped for the server's error boundary, which logs it and answers 500.
func dbError(err error, what string, known conflicts) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", what, err)
	}
	if e, ok := known[pe.ConstraintName]; ok {
		return e
	}
	if pe.Code == checkViolation {
		return huma.Error422UnprocessableEntity(fmt.Sprintf("%s: a value is out of the range allowed (%s)", what, pe.ConstraintName))
	}
	return fmt.Errorf("%s: %w", what, err)
}
