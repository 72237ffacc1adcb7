package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// fixture is a fresh database with one tenant, alpha, and its owner
// ("owner", "owner-password").
type fixture struct {
	env   *tenanttest.Env
	ten   *tenantry.Tenant
	owner *auth.User
}

// setup creates a fixture for t; the database is dropped when t ends.
func setup(t *testing.T) *fixture {
	t.Helper()
	env := tenanttest.Setup(t, nil)
	f := &fixture{env: env, ten: env.CreateTenant(t, "alpha")}
	f.in(t, func(tx *tenantdb.Tx) error {
		var id int64
		if err := tx.QueryRow(context.Background(), "SELECT id FROM users WHERE username = 'owner'").Scan(&id); err != nil {
			return err
		}
		var err error
		f.owner, err = auth.GetUser(context.Background(), tx, id)
		return err
	})
	return f
}

// in runs fn in a transaction of the fixture's tenant, commits it, and fails
// t if fn returns an error.
func (f *fixture) in(t *testing.T, fn func(tx *tenantdb.Tx) error) {
	t.Helper()
	if err := f.env.DB.InTenant(context.Background(), f.ten, fn); err != nil {
		t.Fatal(err)
	}
}

// exec runs one statement in a transaction of the fixture's tenant.
func (f *fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	f.in(t, func(tx *tenantdb.Tx) error {
		_, err := tx.Exec(context.Background(), sql, args...)
		return err
	})
}

// createUser adds a user with password "<username>-password" and email
// <username>@alpha.test.
func (f *fixture) createUser(t *testing.T, username, role string) *auth.User {
	t.Helper()
	var u *auth.User
	f.in(t, func(tx *tenantdb.Tx) error {
		var err error
		u, err = auth.CreateUser(context.Background(), tx, auth.NewUser{
			Username: username, Email: username + "@alpha.test", Password: username + "-password", Role: role,
		})
		return err
	})
	return u
}

// errRollback makes a transaction roll back after a case has run in it.
var errRollback = errors.New("roll back")

// tryThenRollBack runs fn in a transaction of the fixture's tenant and rolls
// it back, so that cases sharing a fixture do not see each other. It returns
// fn's error.
func (f *fixture) tryThenRollBack(t *testing.T, fn func(tx *tenantdb.Tx) error) error {
	t.Helper()
	var got error
	err := f.env.DB.InTenant(context.Background(), f.ten, func(tx *tenantdb.Tx) error {
		got = fn(tx)
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("transaction: %v", err)
	}
	return got
}

// overlap runs first and then second, each in a transaction of its own that
// it commits whatever the function returns, so that second starts while
// first's transaction is open and first commits only once second waits for
// a row lock. It returns what the two functions returned.
func (f *fixture) overlap(t *testing.T, first, second func(tx *tenantdb.Tx) error) (error, error) {
	t.Helper()
	ctx := context.Background()
	var errFirst, errSecond error
	ran, release := make(chan struct{}), make(chan struct{})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	defer releaseOnce()
	var wg sync.WaitGroup
	txErrs := make([]error, 2)
	wg.Go(func() {
		txErrs[0] = f.env.DB.InTenant(ctx, f.ten, func(tx *tenantdb.Tx) error {
			errFirst = first(tx)
			close(ran)
			<-release
			return nil
		})
	})
	select {
	case <-ran:
	case <-time.After(time.Minute):
		t.Fatal("first transaction did not run")
	}
	wg.Go(func() {
		txErrs[1] = f.env.DB.InTenant(ctx, f.ten, func(tx *tenantdb.Tx) error {
			errSecond = second(tx)
			return nil
		})
	})
	if err := waitForLockWait(ctx, f.env.Pool); err != nil {
		t.Error(err)
	}
	releaseOnce()
	wg.Wait()
	for i, err := range txErrs {
		if err != nil {
			t.Fatalf("transaction %d: %v", i+1, err)
		}
	}
	return errFirst, errSecond
}

// waitForLockWait returns once a session of the pool's database waits for a
// lock, or an error after ten seconds.
func waitForLockWait(ctx context.Context, pool *pgxpool.Pool) error {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var waiting bool
		err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock')`).Scan(&waiting)
		if err != nil {
			return fmt.Errorf("watch for lock waits: %w", err)
		}
		if waiting {
			return nil
		}
	}
	return errors.New("the second transaction never waited for the first one's lock")
}

// login runs Authenticate in a transaction of its own and commits it, as a
// handler does, so that failures are recorded.
func (f *fixture) login(t *testing.T, account, password, client string) (*auth.User, error) {
	t.Helper()
	var u *auth.User
	var got error
	f.in(t, func(tx *tenantdb.Tx) error {
		u, got = auth.Authenticate(context.Background(), tx, account, password, client)
		return nil
	})
	return u, got
}

// failLogins makes n failed logins of owner from client.
func (f *fixture) failLogins(t *testing.T, n int, client string) {
	t.Helper()
	for i := range n {
		if _, err := f.login(t, "owner", "wrong-password", client); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("failed login %d: got %v, want ErrBadCredentials", i+1, err)
		}
	}
}

func TestLoginByUsernameOrEmailInAnyCase(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, account := range []string{"owner", "OWNER", "Owner", "  owner\t", "owner@alpha.test", "Owner@Alpha.TEST"} {
		u, err := f.login(t, account, "owner-password", "10.0.0.1")
		if err != nil {
			t.Errorf("login as %q: %v", account, err)
			continue
		}
		if u.ID != f.owner.ID || u.Username != "owner" || u.Role != auth.RoleOwner || !u.IsActive {
			t.Errorf("login as %q gave %+v, want the owner", account, u)
		}
	}
}

func TestLoginFailuresAreIndistinguishable(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.createUser(t, "gone", auth.RoleMember)
	f.exec(t, "UPDATE users SET is_active = false WHERE username = 'gone'")
	cases := []struct{ name, account, password string }{
		{"wrong password", "owner", "owner-passworD"},
		{"empty password", "owner", ""},
		{"unknown user", "nobody", "owner-password"},
		{"unknown email", "nobody@alpha.test", "owner-password"},
		{"inactive user with its right password", "gone", "gone-password"},
		{"empty account", "", "owner-password"},
		{"over-long account", string(make([]byte, 300)), "owner-password"},
		{"over-long password", "owner", string(make([]byte, 5000))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, err := f.login(t, c.account, c.password, "client-"+c.name)
			if err != auth.ErrBadCredentials || u != nil {
				t.Errorf("got %v, %v; want nil, ErrBadCredentials itself", u, err)
			}
		})
	}
}

func TestLoginIsThrottledAfterTenFailuresFromOneClient(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.failLogins(t, auth.MaxFailures, "10.0.0.1")

	_, err := f.login(t, "owner", "owner-password", "10.0.0.1")
	var throttled *auth.ThrottledError
	if !errors.As(err, &throttled) {
		t.Fatalf("login after %d failures: got %v, want *ThrottledError", auth.MaxFailures, err)
	}
	if throttled.RetryAfter <= 0 || throttled.RetryAfter > auth.FailureWindow {
		t.Errorf("RetryAfter = %s, want within (0, %s]", throttled.RetryAfter, auth.FailureWindow)
	}
	if _, err := f.login(t, "owner", "wrong-password", "10.0.0.1"); !errors.As(err, &throttled) {
		t.Errorf("wrong password while throttled: got %v, want *ThrottledError", err)
	}

	if u, err := f.login(t, "owner", "owner-password", "10.0.0.2"); err != nil || u.ID != f.owner.ID {
		t.Errorf("login from another client: got %v, %v; want the owner", u, err)
	}
}

func TestRefusedAttemptsDoNotExtendTheThrottle(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.failLogins(t, auth.MaxFailures, "10.0.0.1")
	for range 5 {
		if _, err := f.login(t, "owner", "wrong-password", "10.0.0.1"); err == auth.ErrBadCredentials {
			t.Fatal("an attempt after 10 failures was answered, not throttled")
		}
	}
	f.exec(t, "UPDATE login_failures SET failed_at = failed_at - $1::interval", (auth.FailureWindow + time.Second).String())
	if _, err := f.login(t, "owner", "owner-password", "10.0.0.1"); err != nil {
		t.Errorf("login once the failures left the window: %v", err)
	}
}

func TestFailuresOlderThanTheWindowDoNotCount(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.failLogins(t, auth.MaxFailures-1, "10.0.0.1")
	f.exec(t, "UPDATE login_failures SET failed_at = now() - $1::interval", (auth.FailureWindow + time.Minute).String())
	f.failLogins(t, auth.MaxFailures-1, "10.0.0.1")
	if _, err := f.login(t, "owner", "owner-password", "10.0.0.1"); err != nil {
		t.Errorf("login after %d old and %d recent failures: %v", auth.MaxFailures-1, auth.MaxFailures-1, err)
	}
}

func TestSuccessfulLoginClearsTheClientsFailures(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.failLogins(t, auth.MaxFailures-1, "10.0.0.1")
	f.failLogins(t, auth.MaxFailures-1, "10.0.0.2")
	if _, err := f.login(t, "owner", "owner-password", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	f.failLogins(t, auth.MaxFailures-1, "10.0.0.1")
	if _, err := f.login(t, "owner", "owner-password", "10.0.0.1"); err != nil {
		t.Errorf("login after a success and %d more failures: %v", auth.MaxFailures-1, err)
	}
	f.failLogins(t, 1, "10.0.0.2")
	var throttled *auth.ThrottledError
	if _, err := f.login(t, "owner", "owner-password", "10.0.0.2"); !errors.As(err, &throttled) {
		t.Errorf("the other client's failures were cleared too: got %v, want *ThrottledError", err)
	}
}

// Hostile bytes in the login or the client address are refused as bad
// credentials, never passed to PostgreSQL where they would abort the
// transaction.
func TestLoginWithHostileBytesIsBadCredentials(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ten := env.CreateTenant(t, "alpha")
	cases := []struct{ login, client string }{
		{"own\x00er", "127.0.0.1"},
		{"owner\xff", "127.0.0.1"},
		{"owner", "127.0.0.1\x00"},
		{"owner", "\xff\xfe"},
		{"owner", strings.Repeat("x", 1000)},
	}
	for _, c := range cases {
		err := env.DB.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error {
			_, err := auth.Authenticate(context.Background(), tx, c.login, "wrong password", c.client)
			if !errors.Is(err, auth.ErrBadCredentials) {
				t.Errorf("login %q from %q: got %v, want ErrBadCredentials", c.login, c.client, err)
			}
			return nil
		})
		if err != nil {
			t.Errorf("login %q from %q: the transaction failed: %v", c.login, c.client, err)
		}
	}
}
