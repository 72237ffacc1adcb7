package limits_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

func newUser(i int) auth.NewUser {
	return auth.NewUser{Username: fmt.Sprintf("user%d", i), Email: fmt.Sprintf("user%d@acme.test", i), Password: "a long password"}
}

func TestMaxUsersIsEnforcedInTenantTransactions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme") // its owner is one user
	savePlan(t, env, limits.Plan{Name: "team", MaxUsers: 2})
	assign(t, env, "acme", "team")
	ten, _ := env.Registry.Find(ctx, "acme")
	create := func(i int) error {
		return env.DB.InTenant(ctx, ten, func(tx *tenantdb.Tx) error {
			_, err := auth.CreateUser(ctx, tx, newUser(i))
			return err
		})
	}
	if err := create(1); err != nil {
		t.Fatalf("second user: %v", err)
	}
	err := create(2)
	var qe *limits.QuotaError
	if !errors.As(err, &qe) || qe.Limit != "max_users" || qe.Max != 2 || qe.Plan != "team" || !errors.Is(err, limits.ErrLimited) {
		t.Fatalf("third user: %v, want a QuotaError on max_users", err)
	}
	if !strings.Contains(err.Error(), `the plan "team" allows at most 2 (max_users)`) {
		t.Errorf("message %q does not name the limit", err)
	}
	savePlan(t, env, limits.Plan{Name: "team", MaxUsers: 3})
	if err := create(2); err != nil {
		t.Errorf("third user once the plan allows 3: %v", err)
	}
}

// TestMaxUsersHoldsUnderConcurrentAdditions: concurrent additions queue on
// the tenant's lock, so exactly as many as the plan allows commit.
func TestMaxUsersHoldsUnderConcurrentAdditions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	env.CreateTenant(t, "acme")
	savePlan(t, env, limits.Plan{Name: "team", MaxUsers: 4})
	assign(t, env, "acme", "team")
	ten, _ := env.Registry.Find(ctx, "acme")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for i := range 8 {
		wg.Go(func() {
			err := env.DB.InTenant(ctx, ten, func(tx *tenantdb.Tx) error {
				_, err := auth.CreateUser(ctx, tx, newUser(i))
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, limits.ErrLimited):
				refused++
			default:
				t.Errorf("user %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	var n int
	if err := env.DB.InTenant(ctx, ten, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	if ok != 3 || refused != 5 || n != 4 {
		t.Errorf("%d added, %d refused, %d users; want 3, 5 and 4", ok, refused, n)
	}
}

// TestMaxUsersIsEnforcedInPlatformWork: join approvals and signups add
// users as the login role with the tenant's search_path and
// tenantry.tenant_id (not its role); the limit holds there too.
func TestMaxUsersIsEnforcedInPlatformWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	ten := env.CreateTenant(t, "acme")
	savePlan(t, env, limits.Plan{Name: limits.DefaultPlan, MaxUsers: 1})
	err := pgx.BeginFunc(ctx, env.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true), set_config('tenantry.tenant_id', $2, true)",
			sqlquote.Ident(ten.SchemaName), itoa(ten.ID)); err != nil {
			return err
		}
		_, err := auth.CreateUser(ctx, tx, newUser(1))
		return err
	})
	var qe *limits.QuotaError
	if !errors.As(err, &qe) || qe.Max != 1 {
		t.Errorf("platform work over the default plan's max_users: %v", err)
	}
	// Outside a tenant there is nothing to count against.
	if err := limits.AdmitUser(ctx, env.Pool); err != nil {
		t.Errorf("outside a tenant: %v", err)
	}
}
