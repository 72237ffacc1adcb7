package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
)

type waitInput struct {
	api.Bearer
	Sleep bool `query:"sleep"`
}

type waitOutput struct{}

// waitRoute is an application route that waits on advisory lock 7070 (the
// test holds it) or, with ?sleep=true, sleeps five seconds: a slow request
// without timing in the test.
func waitRoute(r *api.Routes) error {
	api.Register(r, huma.Operation{OperationID: "wait", Method: http.MethodGet, Path: "/api/wait"}, auth.DataRead,
		func(ctx context.Context, c *api.Context, in *waitInput) (*waitOutput, error) {
			sql := "SELECT pg_advisory_xact_lock(7070)"
			if in.Sleep {
				sql = "SELECT pg_sleep(5)"
			}
			_, err := c.Tx.Exec(ctx, sql)
			return &waitOutput{}, err
		})
	return nil
}

// TestTenantOverItsTransactionsOrTimeoutGetsAClearAnswer: a tenant whose
// plan allows one transaction gets 429 for a second request while the
// first runs, and a statement past its plan's statement_timeout is 503
// naming the limit.
func TestTenantOverItsTransactionsOrTimeoutGetsAClearAnswer(t *testing.T) {
	t.Parallel()
	saved := itemRoutes
	p := setupLimitedWith(t, append(saved[:len(saved):len(saved)], waitRoute))
	op := p.operatorToken(t)
	owner := p.token(t, "alpha.test", "/api/token/", "owner", "owner-password")
	p.putPlan(t, op, "narrow", map[string]any{"max_transactions": 1})
	p.setPlan(t, op, "alpha", "narrow")

	ctx := context.Background()
	lock, err := p.env.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	if _, err := lock.Exec(ctx, "SELECT pg_advisory_lock(7070)"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var firstCode int
	wg.Go(func() { firstCode, _, _ = p.do(t, "GET", "alpha.test", "/api/wait", owner, nil) })
	waitForWaiters(t, p, 7070)
	code, h, body := p.do(t, "GET", "alpha.test", "/api/wait", owner, nil)
	if code != http.StatusTooManyRequests || h.Get("Retry-After") != "1" || !strings.Contains(body, "its limit (max_transactions)") {
		t.Errorf("second transaction over max_transactions 1: %d Retry-After %q %s", code, h.Get("Retry-After"), body)
	}
	if code, _, body := p.do(t, "GET", "beta.test", "/api/tenant/", "", nil); code != http.StatusOK {
		t.Errorf("beta meanwhile: %d %s", code, body)
	}
	if _, err := lock.Exec(ctx, "SELECT pg_advisory_unlock(7070)"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if firstCode != http.StatusNoContent {
		t.Errorf("the first request: %d", firstCode)
	}
	p.putPlan(t, op, "narrow", map[string]any{"max_transactions": 1, "statement_timeout": "50ms"})
	code, _, body = p.do(t, "GET", "alpha.test", "/api/wait?sleep=true", owner, nil)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "statement_timeout") {
		t.Errorf("a statement past the plan's statement_timeout: %d %s", code, body)
	}
}

// waitForWaiters waits until a backend waits for advisory lock key.
func waitForWaiters(t *testing.T, p *platformEnv, key int64) {
	t.Helper()
	for range 1000 {
		var n int
		if err := p.env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
			AND NOT granted AND objid = $1`, key).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		sleepBriefly()
	}
	t.Fatal("no request came to wait for the lock")
}
