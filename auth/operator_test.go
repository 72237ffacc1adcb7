package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

func setupOperators(t *testing.T) *tenanttest.Env {
	t.Helper()
	env := tenanttest.Setup(t, nil)
	_, err := auth.CreateOperator(context.Background(), env.Pool,
		auth.NewOperator{Username: "Root", Email: "Root@Platform.example", Password: "operator-password"})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestCreateOperatorValidatesAndRefusesDuplicates(t *testing.T) {
	t.Parallel()
	env := setupOperators(t)
	ctx := context.Background()
	cases := []struct {
		name  string
		op    auth.NewOperator
		field string // the *ValidationError's field, or "" for ErrOperatorExists
	}{
		{"empty username", auth.NewOperator{Username: " ", Email: "a@b.example", Password: "long enough"}, "username"},
		{"injection username", auth.NewOperator{Username: "a'; DROP TABLE x;--", Email: "a@b.example", Password: "long enough"}, "username"},
		{"bad email", auth.NewOperator{Username: "ana", Email: "not-an-email", Password: "long enough"}, "email"},
		{"display-name email", auth.NewOperator{Username: "ana", Email: "Ana <a@b.example>", Password: "long enough"}, "email"},
		{"short password", auth.NewOperator{Username: "ana", Email: "a@b.example", Password: "short"}, "password"},
		{"username taken, other case", auth.NewOperator{Username: "ROOT", Email: "other@b.example", Password: "long enough"}, ""},
		{"email taken, other case", auth.NewOperator{Username: "other", Email: "root@platform.EXAMPLE", Password: "long enough"}, ""},
	}
	for _, c := range cases {
		_, err := auth.CreateOperator(ctx, env.Pool, c.op)
		var ve *tenantry.ValidationError
		switch {
		case c.field == "" && !errors.Is(err, auth.ErrOperatorExists):
			t.Errorf("%s: got %v, want ErrOperatorExists", c.name, err)
		case c.field != "" && (!errors.As(err, &ve) || ve.Field != c.field):
			t.Errorf("%s: got %v, want a validation error of %s", c.name, err, c.field)
		}
	}
	ops, err := auth.ListOperators(ctx, env.Pool)
	if err != nil || len(ops) != 1 || ops[0].Username != "Root" || ops[0].Email != "root@platform.example" || !ops[0].IsActive {
		t.Errorf("operators after refusals: %+v, %v", ops, err)
	}
}

func TestOperatorLogin(t *testing.T) {
	t.Parallel()
	env := setupOperators(t)
	ctx := context.Background()
	for _, login := range []string{"root", " ROOT ", "root@platform.example"} {
		o, err := auth.AuthenticateOperator(ctx, env.Pool, login, "operator-password", "10.0.0.1")
		if err != nil || o.Username != "Root" {
			t.Errorf("login %q: %+v, %v", login, o, err)
		}
	}
	for _, c := range []struct{ login, password string }{
		{"root", "wrong-password"}, {"nobody", "operator-password"}, {"", "operator-password"},
		{strings.Repeat("a", 300), "operator-password"},
	} {
		if _, err := auth.AuthenticateOperator(ctx, env.Pool, c.login, c.password, "10.0.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("login %q/%q: got %v, want ErrBadCredentials", c.login, c.password, err)
		}
	}
	if _, err := env.Pool.Exec(ctx, "UPDATE public.operators SET is_active = false"); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.AuthenticateOperator(ctx, env.Pool, "root", "operator-password", "10.0.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("deactivated operator: got %v, want ErrBadCredentials", err)
	}
}

func TestOperatorLoginIsThrottledPerClient(t *testing.T) {
	t.Parallel()
	env := setupOperators(t)
	ctx := context.Background()
	for i := 0; i < auth.MaxFailures; i++ {
		if _, err := auth.AuthenticateOperator(ctx, env.Pool, "root", "wrong-password", "10.0.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	_, err := auth.AuthenticateOperator(ctx, env.Pool, "Root", "operator-password", "10.0.0.1")
	var te *auth.ThrottledError
	if !errors.As(err, &te) || te.RetryAfter <= 0 || te.RetryAfter > auth.FailureWindow {
		t.Fatalf("after %d failures: got %v, want a ThrottledError", auth.MaxFailures, err)
	}
	if _, err := auth.AuthenticateOperator(ctx, env.Pool, "root", "operator-password", "10.0.0.2"); err != nil {
		t.Errorf("another client is locked out too: %v", err)
	}
}

// TestUserAndOperatorFailuresAreCountedApart pins the shared throttling
// down on both paths: an operator's failures do not throttle a tenant user
// of the same name, and the tenant user's own throttling still works.
func TestUserAndOperatorFailuresAreCountedApart(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	ten := env.CreateTenant(t, "acme")
	if _, err := auth.CreateOperator(ctx, env.Pool, auth.NewOperator{Username: "owner", Email: "op@platform.example", Password: "operator-password"}); err != nil {
		t.Fatal(err)
	}
	userLogin := func(password string) error {
		var authErr error
		err := env.DB.InTenant(ctx, ten, func(tx *tenantdb.Tx) error {
			_, authErr = auth.Authenticate(ctx, tx, "owner", password, "10.0.0.1")
			return nil // commit the failure's record
		})
		return errors.Join(err, authErr)
	}
	for i := 0; i < auth.MaxFailures; i++ {
		if _, err := auth.AuthenticateOperator(ctx, env.Pool, "owner", "wrong-password", "10.0.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("operator failure %d: %v", i+1, err)
		}
	}
	if err := userLogin("owner-password"); err != nil {
		t.Fatalf("tenant user throttled by an operator's failures: %v", err)
	}
	for i := 0; i < auth.MaxFailures; i++ {
		if err := userLogin("wrong-password"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("user failure %d: %v", i+1, err)
		}
	}
	var te *auth.ThrottledError
	if err := userLogin("owner-password"); !errors.As(err, &te) {
		t.Errorf("tenant user after %d failures: got %v, want a ThrottledError", auth.MaxFailures, err)
	}
}
