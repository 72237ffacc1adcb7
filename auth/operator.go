package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/pgerr"
)

// Errors of platform operators.
var (
	ErrOperatorExists   = errors.New("an operator with that username or email already exists")
	ErrOperatorNotFound = errors.New("operator not found")
)

// Operator is a platform operator: an account in public.operators that
// manages tenants through the platform API. It belongs to no tenant.
type Operator struct {
	ID        int64     `json:"id"`
	Username  string    `json:"username"`
	Email     string    `json:"email"`
	IsActive  bool      `json:"is_active"`
	CreatedAt time.Time `json:"created_at"`
}

// NewOperator is what CreateOperator needs.
type NewOperator struct {
	Username string
	Email    string
	Password string
}

// Validate checks the username, the email and the password (ValidatePassword)
// and normalises the email to lower case. The error is a
// *tenantry.ValidationError naming the field.
func (o *NewOperator) Validate() error {
	o.Username = strings.TrimSpace(o.Username)
	o.Email = strings.ToLower(strings.TrimSpace(o.Email))
	if !usernamePattern.MatchString(o.Username) {
		return invalid("username", o.Username, "must be 1 to 150 characters: letters, digits and _ . @ + -")
	}
	if err := ValidateEmail(o.Email); err != nil {
		return err
	}
	return ValidatePassword(o.Password)
}

const operatorColumns = "id, username, email, is_active, created_at"

func scanOperator(row pgx.Row) (*Operator, error) {
	var o Operator
	err := row.Scan(&o.ID, &o.Username, &o.Email, &o.IsActive, &o.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrOperatorNotFound
	}
	return &o, err
}

// CreateOperator validates o, hashes its password and inserts it into
// public.operators. q is a pool, a connection or a transaction. It returns a
// *tenantry.ValidationError for bad input and ErrOperatorExists when the
// username or email is taken (compared without regard to case).
func CreateOperator(ctx context.Context, q Querier, o NewOperator) (*Operator, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(o.Password)
	if err != nil {
		return nil, err
	}
	out, err := scanOperator(q.QueryRow(ctx, `INSERT INTO public.operators (username, email, password_hash)
		VALUES ($1, $2, $3) RETURNING `+operatorColumns, o.Username, o.Email, hash))
	if pgerr.Code(err) == pgerr.UniqueViolation {
		return nil, fmt.Errorf("create operator %s: %w", o.Username, ErrOperatorExists)
	}
	if err != nil {
		return nil, fmt.Errorf("create operator %s: %w", o.Username, err)
	}
	return out, nil
}

// GetOperator returns operator id, or ErrOperatorNotFound.
func GetOperator(ctx context.Context, q Querier, id int64) (*Operator, error) {
	o, err := scanOperator(q.QueryRow(ctx, "SELECT "+operatorColumns+" FROM public.operators WHERE id = $1", id))
	if err != nil && !errors.Is(err, ErrOperatorNotFound) {
		return nil, fmt.Errorf("get operator %d: %w", id, err)
	}
	return o, err
}

// ListOperators returns every operator, ordered by username.
func ListOperators(ctx context.Context, q Rows) ([]Operator, error) {
	rows, err := q.Query(ctx, "SELECT "+operatorColumns+" FROM public.operators ORDER BY lower(username)")
	if err != nil {
		return nil, fmt.Errorf("list operators: %w", err)
	}
	ops, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Operator, error) {
		o, err := scanOperator(r)
		if err != nil {
			return Operator{}, err
		}
		return *o, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list operators: %w", err)
	}
	return ops, nil
}

var operatorLogins = failureLog{
	count: `SELECT count(*) FILTER (WHERE account = $1),
			coalesce(extract(epoch FROM min(failed_at) FILTER (WHERE account = $1) + make_interval(secs => $3) - now()), 0),
			count(*), coalesce(extract(epoch FROM min(failed_at) + make_interval(secs => $3) - now()), 0)
		FROM public.operator_login_failures WHERE client = $2 AND failed_at > now() - make_interval(secs => $3)`,
	record: `WITH old AS (DELETE FROM public.operator_login_failures
			WHERE (account = $1 OR client = $2) AND failed_at < now() - make_interval(secs => $3))
		INSERT INTO public.operator_login_failures (account, client) VALUES ($1, $2) RETURNING 1`,
	clear: `WITH d AS (DELETE FROM public.operator_login_failures WHERE account = $1 AND client = $2 RETURNING 1)
		SELECT count(*) FROM d`,
}

// AuthenticateOperator checks an operator's login (username or email, any
// case) and password from client (its address), under the same throttling
// as tenant users' logins (MaxFailures in FailureWindow per operator and
// client, MaxClientFailures per client). It returns the operator, ErrBadCredentials (also for a
// deactivated operator), or a *ThrottledError. q may be the pool: failures
// are then recorded at once; in a transaction, commit it even when
// AuthenticateOperator fails.
func AuthenticateOperator(ctx context.Context, q Querier, login, password, client string) (*Operator, error) {
	var o *Operator
	err := operatorLogins.check(ctx, q, login, password, client, func(login string) (string, bool, string, error) {
		var hash string
		var err error
		o, hash, err = findOperatorForLogin(ctx, q, login)
		if o == nil {
			return hash, false, "", err
		}
		return hash, o.IsActive, accountKey(o.ID), err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// findOperatorForLogin returns the operator whose username or email is
// account (a username match first), with its hash; or nil and the dummy
// hash.
func findOperatorForLogin(ctx context.Context, q Querier, account string) (*Operator, string, error) {
	var o Operator
	var hash string
	err := q.QueryRow(ctx, `SELECT `+operatorColumns+`, password_hash
		FROM public.operators WHERE lower(username) = $1 OR lower(email) = $1
		ORDER BY lower(username) = $1 DESC LIMIT 1`, account).
		Scan(&o.ID, &o.Username, &o.Email, &o.IsActive, &o.CreatedAt, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, dummyHash(), nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("look up operator for login: %w", err)
	}
	return &o, hash, nil
}
