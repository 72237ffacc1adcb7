package auth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Throttling of password guessing. Failures are counted per account and
// client: the account is the user the typed login names, however it was
// spelt (username or email, any case), or for a login that names nobody the
// login itself, trimmed and lower-cased. After MaxFailures failed logins
// for one account from one client within FailureWindow, further attempts
// for that account from that client are refused; after MaxClientFailures
// failures from one client for any accounts of the tenant (or of the
// platform's operators), every attempt from that client is. A refusal lasts
// until the oldest counted failure leaves the window. Attempts refused this
// way are not counted, so the refusal always ends; a user logging in from
// another client is not affected.
const (
	MaxFailures       = 10
	MaxClientFailures = 50
	FailureWindow     = 15 * time.Minute
)

// ErrBadCredentials is the one answer to a wrong username, a wrong password
// or a deactivated account, so none can be told from the others.
var ErrBadCredentials = errors.New("invalid username or password")

// ThrottledError refuses a login attempt made too soon after too many
// failures.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed logins: try again in %s", e.RetryAfter.Round(time.Second))
}

// dummyHash is verified against when the account does not exist, so that
// the answer takes as long as for a real account.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("tenantry timing equaliser") // fails only without randomness
	return h
})

// Authenticate checks a login (username or email, any case) and password
// from client (its address) inside a transaction bound to the tenant. It
// returns the user, ErrBadCredentials, or a *ThrottledError. Failures are
// recorded in the transaction: commit it even when Authenticate fails.
func Authenticate(ctx context.Context, q Querier, login, password, client string) (*User, error) {
	var u *User
	err := userLogins.check(ctx, q, login, password, client, func(login string) (string, bool, string, error) {
		var hash string
		var err error
		u, hash, err = findForLogin(ctx, q, login)
		if u == nil {
			return hash, false, "", err
		}
		return hash, u.IsActive, accountKey(u.ID), err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// failureLog is the fixed SQL of one table of failed logins: a tenant's
// login_failures, resolved through the tenant's search_path, or
// public.operator_login_failures. Each query takes the account ($1), the
// client ($2) and the window in seconds ($3, where used).
type failureLog struct {
	// count: the client's failures in the window for the account and for
	// all accounts, and the seconds until the oldest of each leaves it
	count  string
	record string // note a failure, forgetting the account's and the client's failures older than the window
	clear  string // forget the account's failures from the client, after a success
}

var userLogins = failureLog{
	count: `SELECT count(*) FILTER (WHERE account = $1),
			coalesce(extract(epoch FROM min(failed_at) FILTER (WHERE account = $1) + make_interval(secs => $3) - now()), 0),
			count(*), coalesce(extract(epoch FROM min(failed_at) + make_interval(secs => $3) - now()), 0)
		FROM login_failures WHERE client = $2 AND failed_at > now() - make_interval(secs => $3)`,
	record: `WITH old AS (DELETE FROM login_failures
			WHERE (account = $1 OR client = $2) AND failed_at < now() - make_interval(secs => $3))
		INSERT INTO login_failures (account, client) VALUES ($1, $2) RETURNING 1`,
	clear: `WITH d AS (DELETE FROM login_failures WHERE account = $1 AND client = $2 RETURNING 1)
		SELECT count(*) FROM d`,
}

// findAccount looks up the account named by a normalised login. It returns
// the account's password hash, whether it may log in, and its key: what
// failures are counted under, the same for every spelling of the login
// ("#" and the id). For no account: the dummy hash, false, and "".
type findAccount func(login string) (hash string, active bool, key string, err error)

// check is the login procedure shared by users and operators: normalise the
// login, find its account, refuse it while throttled, verify the password
// against the account's hash (or the dummy hash), record a failure or clear
// the record. It returns nil, ErrBadCredentials or a *ThrottledError.
func (l failureLog) check(ctx context.Context, q Querier, login, password, client string, find findAccount) error {
	normal := strings.ToLower(strings.TrimSpace(login))
	if normal == "" || len(normal) > 254 || len(password) > 4*MaxPasswordLen ||
		!utf8.ValidString(normal) || strings.ContainsRune(normal, 0) {
		return ErrBadCredentials // no such account can exist, and PostgreSQL text cannot hold it
	}
	client = cleanClient(client)
	hash, active, account, err := find(normal)
	if err != nil {
		return err
	}
	if account == "" {
		account = normal
	}
	if err := l.checkThrottle(ctx, q, account, client); err != nil {
		return err
	}
	ok, err := VerifyPassword(password, hash)
	if err != nil && !errors.Is(err, ErrBadHash) {
		return err
	}
	if !ok || !active {
		return l.recordFailure(ctx, q, account, client)
	}
	if err := scalar(ctx, q, l.clear, account, client); err != nil {
		return fmt.Errorf("clear failed logins: %w", err)
	}
	return nil
}

// findForLogin returns the user whose username or email is account (a
// username match first), with its hash; or nil and the dummy hash.
func findForLogin(ctx context.Context, q Querier, account string) (*User, string, error) {
	var u User
	var hash string
	err := q.QueryRow(ctx, `SELECT id, username, email, role, is_active, date_joined, password_hash
		FROM users WHERE lower(username) = $1 OR lower(email) = $1
		ORDER BY lower(username) = $1 DESC LIMIT 1`, account).
		Scan(&u.ID, &u.Username, &u.Email, &u.Role, &u.IsActive, &u.DateJoined, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, dummyHash(), nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("look up user for login: %w", err)
	}
	return &u, hash, nil
}

// accountKey is what the failed logins of the account with id are counted
// under. A typed login that names nobody is counted under itself; should
// one read "#5", its failures add to account 5's from that client, which
// typing account 5's name would do as well.
func accountKey(id int64) string { return "#" + strconv.FormatInt(id, 10) }

// checkThrottle refuses an attempt for account from client once either has
// reached its limit in the window.
func (l failureLog) checkThrottle(ctx context.Context, q Querier, account, client string) error {
	var forAccount, fromClient int
	var accountRetry, clientRetry float64
	err := q.QueryRow(ctx, l.count, account, client, FailureWindow.Seconds()).
		Scan(&forAccount, &accountRetry, &fromClient, &clientRetry)
	if err != nil {
		return fmt.Errorf("count failed logins: %w", err)
	}
	var retry float64
	switch {
	case fromClient >= MaxClientFailures:
		retry = clientRetry
	case forAccount >= MaxFailures:
		retry = accountRetry
	default:
		return nil
	}
	return &ThrottledError{RetryAfter: max(time.Duration(retry*float64(time.Second)), time.Second)}
}

// recordFailure notes a failed login, forgets the account's failures that
// have left the window, and returns ErrBadCredentials.
func (l failureLog) recordFailure(ctx context.Context, q Querier, account, client string) error {
	if err := scalar(ctx, q, l.record, account, client, FailureWindow.Seconds()); err != nil {
		return fmt.Errorf("record failed login: %w", err)
	}
	return ErrBadCredentials
}

// cleanClient makes a client address storable as text: valid UTF-8, no NUL,
// at most 64 bytes. It usually is one already (the connection's peer).
func cleanClient(client string) string {
	client = strings.ReplaceAll(strings.ToValidUTF8(client, "?"), "\x00", "")
	if len(client) > 64 {
		client = strings.ToValidUTF8(client[:64], "")
	}
	return client
}
