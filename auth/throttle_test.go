package auth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tenantry/tenantry/auth"
)

// TestThrottleCountsPerAccountWhateverTheSpelling: failures for one user
// count together however the login was typed (username or email, any
// case), so ten failures spread over the spellings throttle them all; an
// unknown login counts under its normalised form.
func TestThrottleCountsPerAccountWhateverTheSpelling(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		spellings []string // the failures cycle through these
		then      []string // each now throttled from the same client
		password  string
	}{
		{"a user", []string{"owner", "owner@alpha.test", "Owner@Alpha.TEST", " OWNER "},
			[]string{"owner", "OWNER@alpha.test", "Owner"}, "owner-password"},
		{"an unknown login", []string{"nobody", "NoBody", " NOBODY\t"},
			[]string{"nobody", "Nobody"}, "whatever-password"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			for i := range auth.MaxFailures {
				login := c.spellings[i%len(c.spellings)]
				if _, err := f.login(t, login, "wrong-password", "10.0.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
					t.Fatalf("failure %d as %q: %v", i+1, login, err)
				}
			}
			for _, login := range c.then {
				var te *auth.ThrottledError
				if _, err := f.login(t, login, c.password, "10.0.0.1"); !errors.As(err, &te) {
					t.Errorf("%q after %d failures in other spellings: %v, want a ThrottledError", login, auth.MaxFailures, err)
				}
			}
			if c.name == "a user" {
				if _, err := f.login(t, "owner@alpha.test", "owner-password", "10.0.0.2"); err != nil {
					t.Errorf("from another client: %v", err)
				}
			}
		})
	}
}

// TestThrottleCountsEveryAccountFromOneClient: after MaxClientFailures
// failures from one client, spread over accounts that each stay under
// MaxFailures, every login from that client is refused, even for an
// account it never tried; other clients go on.
func TestThrottleCountsEveryAccountFromOneClient(t *testing.T) {
	t.Parallel()
	f := setup(t)
	// All but one failure planted, as the log holds them; the last made.
	for i := range auth.MaxClientFailures - 1 {
		f.exec(t, "INSERT INTO login_failures (account, client) VALUES ($1, '10.0.0.9')", fmt.Sprintf("guess%d", i%40))
	}
	if _, err := f.login(t, "guess-last", "wrong-password", "10.0.0.9"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("failure %d: %v", auth.MaxClientFailures, err)
	}
	var te *auth.ThrottledError
	if _, err := f.login(t, "owner", "owner-password", "10.0.0.9"); !errors.As(err, &te) || te.RetryAfter <= 0 {
		t.Errorf("a fresh account from the client: %v, want a ThrottledError", err)
	}
	if _, err := f.login(t, "owner", "owner-password", "10.0.0.10"); err != nil {
		t.Errorf("another client: %v", err)
	}
}

// TestOperatorThrottleCountsPerOperatorWhateverTheSpelling is the same
// for platform operators.
func TestOperatorThrottleCountsPerOperatorWhateverTheSpelling(t *testing.T) {
	t.Parallel()
	env := setupOperators(t)
	ctx := context.Background()
	spellings := []string{"root", "ROOT", "root@platform.example", "Root@Platform.Example"}
	for i := range auth.MaxFailures {
		if _, err := auth.AuthenticateOperator(ctx, env.Pool, spellings[i%len(spellings)], "wrong-password", "10.0.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	var te *auth.ThrottledError
	if _, err := auth.AuthenticateOperator(ctx, env.Pool, "root@platform.example", "operator-password", "10.0.0.1"); !errors.As(err, &te) {
		t.Errorf("after %d failures in several spellings: %v, want a ThrottledError", auth.MaxFailures, err)
	}
}
