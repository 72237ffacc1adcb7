package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

// newRefresh starts a login of user id and returns its refresh token.
func newRefresh(t *testing.T, f *fixture, id int64) string {
	t.Helper()
	var tok string
	f.in(t, func(tx *tenantdb.Tx) error {
		var err error
		tok, err = auth.NewRefresh(context.Background(), tx, id)
		return err
	})
	return tok
}

// rotate exchanges tok in a transaction of its own, committed whatever
// Rotate returns (a reuse revokes the family in it).
func rotate(t *testing.T, f *fixture, tok string) (string, int64, error) {
	t.Helper()
	var next string
	var id int64
	var got error
	f.in(t, func(tx *tenantdb.Tx) error {
		next, id, got = auth.Rotate(context.Background(), tx, tok)
		return nil
	})
	return next, id, got
}

// mustRotate exchanges tok and fails t unless that works.
func mustRotate(t *testing.T, f *fixture, tok string) string {
	t.Helper()
	next, _, err := rotate(t, f, tok)
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	return next
}

func revoke(t *testing.T, f *fixture, tok string) error {
	t.Helper()
	var got error
	f.in(t, func(tx *tenantdb.Tx) error {
		got = auth.Revoke(context.Background(), tx, tok)
		return nil
	})
	return got
}

// assertDead fails t unless every token is refused with ErrInvalidToken.
func assertDead(t *testing.T, f *fixture, tokens ...string) {
	t.Helper()
	for i, tok := range tokens {
		if _, _, err := rotate(t, f, tok); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("token %d: got %v, want ErrInvalidToken", i+1, err)
		}
	}
}

func TestRotateReturnsANewTokenAndTheUser(t *testing.T) {
	t.Parallel()
	f := setup(t)
	first := newRefresh(t, f, f.owner.ID)
	second, id, err := rotate(t, f, first)
	if err != nil {
		t.Fatal(err)
	}
	if id != f.owner.ID || second == "" || second == first {
		t.Errorf("rotate gave %q for user %d; want a new token for user %d", second, id, f.owner.ID)
	}
	third, id, err := rotate(t, f, second)
	if err != nil || id != f.owner.ID || third == second || third == first {
		t.Errorf("rotating the new token: %q, %d, %v", third, id, err)
	}
}

func TestRefreshTokensAreStoredHashed(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tok := newRefresh(t, f, f.owner.ID)
	var n int
	f.in(t, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(context.Background(),
			"SELECT count(*) FROM refresh_tokens WHERE position(convert_to($1, 'UTF8') IN token_hash) > 0", tok).Scan(&n)
	})
	if n != 0 {
		t.Error("the refresh token is stored as it was issued")
	}
}

func TestReusedRefreshTokenRevokesItsFamily(t *testing.T) {
	t.Parallel()
	f := setup(t)
	first := newRefresh(t, f, f.owner.ID)
	second := mustRotate(t, f, first)
	third := mustRotate(t, f, second)
	other := newRefresh(t, f, f.owner.ID) // another login of the same user

	if _, _, err := rotate(t, f, first); !errors.Is(err, auth.ErrRefreshReused) {
		t.Fatalf("reuse of the first token: got %v, want ErrRefreshReused", err)
	}
	assertDead(t, f, third, second, first)
	if _, _, err := rotate(t, f, other); err != nil {
		t.Errorf("another login of the user: %v", err)
	}
}

func TestUnknownRefreshTokenIsInvalid(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tok := newRefresh(t, f, f.owner.ID)
	for _, bad := range []string{"", "garbage", tok + "x", tok[1:], strings.ToUpper(tok), strings.Repeat("A", 5000), "\x00\xff"} {
		if _, _, err := rotate(t, f, bad); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%.20q: got %v, want ErrInvalidToken", bad, err)
		}
	}
	mustRotate(t, f, tok)
}

func TestExpiredRefreshTokenIsInvalid(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tok := newRefresh(t, f, f.owner.ID)
	f.exec(t, "UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
	assertDead(t, f, tok)
}

func TestRevokeEndsTheFamilyAndIsIdempotent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	first := newRefresh(t, f, f.owner.ID)
	second := mustRotate(t, f, first)
	other := newRefresh(t, f, f.owner.ID)
	for i := range 2 {
		if err := revoke(t, f, second); err != nil {
			t.Fatalf("revoke %d: %v", i+1, err)
		}
	}
	assertDead(t, f, second, first)
	if err := revoke(t, f, "never issued"); err != nil {
		t.Errorf("revoke an unknown token: %v", err)
	}
	mustRotate(t, f, other)
}

func TestRevokeByAnOldTokenEndsTheNewest(t *testing.T) {
	t.Parallel()
	f := setup(t)
	first := newRefresh(t, f, f.owner.ID)
	second := mustRotate(t, f, first)
	if err := revoke(t, f, first); err != nil {
		t.Fatal(err)
	}
	assertDead(t, f, second)
}

func TestRevokeUserEndsEveryLoginOfThatUserOnly(t *testing.T) {
	t.Parallel()
	f := setup(t)
	other := f.createUser(t, "other", auth.RoleMember)
	one, two := newRefresh(t, f, f.owner.ID), newRefresh(t, f, f.owner.ID)
	two = mustRotate(t, f, two)
	keep := newRefresh(t, f, other.ID)
	f.in(t, func(tx *tenantdb.Tx) error { return auth.RevokeUser(context.Background(), tx, f.owner.ID) })
	assertDead(t, f, one, two)
	mustRotate(t, f, keep)
	f.in(t, func(tx *tenantdb.Tx) error { return auth.RevokeUser(context.Background(), tx, f.owner.ID) })
}

// TestConcurrentRotationsOfOneToken exchanges one token in two transactions,
// the second started while the first is open: as if a thief and the user
// presented it at once.
func TestConcurrentRotationsOfOneToken(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tok := newRefresh(t, f, f.owner.ID)
	var winner string
	errFirst, errSecond := f.overlap(t,
		func(tx *tenantdb.Tx) error {
			var err error
			winner, _, err = auth.Rotate(context.Background(), tx, tok)
			return err
		},
		func(tx *tenantdb.Tx) error {
			_, _, err := auth.Rotate(context.Background(), tx, tok)
			return err
		})
	if errFirst != nil || !errors.Is(errSecond, auth.ErrRefreshReused) {
		t.Fatalf("got %v and %v, want nil and ErrRefreshReused", errFirst, errSecond)
	}
	assertDead(t, f, winner, tok)
}
