package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// RefreshTTL is how long a refresh token lives unused.
const RefreshTTL = 14 * 24 * time.Hour

// ErrRefreshReused is returned when a refresh token that was already
// exchanged is presented again: a sign it was stolen. Its whole family has
// been revoked in the caller's transaction, which must be committed.
var ErrRefreshReused = errors.New("refresh token reused: every session of this login is revoked")

// NewRefresh issues the first refresh token of a new family for userID.
func NewRefresh(ctx context.Context, q Querier, userID int64) (string, error) {
	return insertRefresh(ctx, q, userID, "")
}

func insertRefresh(ctx context.Context, q Querier, userID int64, family string) (string, error) {
	token := newRefreshToken()
	var fam any = family
	if family == "" {
		fam = nil
	}
	err := scalar(ctx, q, `INSERT INTO refresh_tokens (family, user_id, token_hash, expires_at)
		VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3, now() + make_interval(secs => $4)) RETURNING id`,
		fam, userID, hashRefresh(token), RefreshTTL.Seconds())
	if err != nil {
		return "", fmt.Errorf("store refresh token: %w", err)
	}
	return token, nil
}

// Rotate exchanges a refresh token for a new one of the same family and
// returns it with the user's id. A token that is unknown, expired or
// revoked gives ErrInvalidToken; one already exchanged gives
// ErrRefreshReused after revoking its family (commit the transaction so the
// revocation holds). Concurrent exchanges of one token serialise on its row:
// one wins, the other is a reuse.
func Rotate(ctx context.Context, q Querier, token string) (string, int64, error) {
	var id, userID int64
	var family string
	var used, revoked, expired bool
	err := q.QueryRow(ctx, `SELECT id, family::text, user_id, used_at IS NOT NULL, revoked_at IS NOT NULL, expires_at < now()
		FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`, hashRefresh(token)).
		Scan(&id, &family, &userID, &used, &revoked, &expired)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", 0, ErrInvalidToken
	case err != nil:
		return "", 0, fmt.Errorf("look up refresh token: %w", err)
	case revoked || expired:
		return "", 0, ErrInvalidToken
	case used:
		if err := revokeFamily(ctx, q, family); err != nil {
			return "", 0, err
		}
		return "", 0, ErrRefreshReused
	}
	if err := scalar(ctx, q, "UPDATE refresh_tokens SET used_at = now() WHERE id = $1 RETURNING 1", id); err != nil {
		return "", 0, fmt.Errorf("use refresh token: %w", err)
	}
	next, err := insertRefresh(ctx, q, userID, family)
	return next, userID, err
}

// Revoke ends the login a refresh token belongs to: its whole family.
// Unknown tokens are not an error (logging out twice is fine).
func Revoke(ctx context.Context, q Querier, token string) error {
	var family string
	err := q.QueryRow(ctx, "SELECT family::text FROM refresh_tokens WHERE token_hash = $1", hashRefresh(token)).Scan(&family)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up refresh token: %w", err)
	}
	return revokeFamily(ctx, q, family)
}

// RevokeUser ends every login of a user, for when it is deactivated.
func RevokeUser(ctx context.Context, q Querier, userID int64) error {
	err := scalar(ctx, q, `WITH r AS (UPDATE refresh_tokens SET revoked_at = now()
		WHERE user_id = $1 AND revoked_at IS NULL RETURNING 1) SELECT count(*) FROM r`, userID)
	if err != nil {
		return fmt.Errorf("revoke sessions of user %d: %w", userID, err)
	}
	return nil
}

func revokeFamily(ctx context.Context, q Querier, family string) error {
	err := scalar(ctx, q, `WITH r AS (UPDATE refresh_tokens SET revoked_at = now()
		WHERE family = $1::uuid AND revoked_at IS NULL RETURNING 1) SELECT count(*) FROM r`, family)
	if err != nil {
		return fmt.Errorf("revoke refresh token family: %w", err)
	}
	return nil
}

// scalar runs a statement through QueryRow and discards its one value, so
// that Querier (QueryRow only) is all these functions need.
func scalar(ctx context.Context, q Querier, sql string, args ...any) error {
	var discard any
	return q.QueryRow(ctx, sql, args...).Scan(&discard)
}

func newRefreshToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on Linux
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashRefresh(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
