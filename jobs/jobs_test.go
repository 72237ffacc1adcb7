package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/examples/items"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/mail"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// waitLimit bounds every wait for a job: generous for a busy machine, and
// only reached when something is wrong.
const waitLimit = 15 * time.Second

// outbox is a mail.Sender that records what it is given. fail, when set,
// decides the outcome of each call (numbered from 1).
type outbox struct {
	mu      sync.Mutex
	calls   int
	sent    []mail.Message
	tenants []string // the tenant in each call's context, or ""
	fail    func(call int) error
}

func (o *outbox) Send(ctx context.Context, m mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls++
	slug := ""
	if t, ok := tenantry.FromContext(ctx); ok {
		slug = t.Slug
	}
	o.tenants = append(o.tenants, slug)
	if o.fail != nil {
		if err := o.fail(o.calls); err != nil {
			return err
		}
	}
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) snapshot() (calls int, sent []mail.Message, tenants []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.calls, append([]mail.Message(nil), o.sent...), append([]string(nil), o.tenants...)
}

// start makes a working client on env with cfg (Pool and DB filled in, and
// a fresh outbox when cfg has no Mailer), starts it and stops it when t
// ends.
func start(t *testing.T, env *tenanttest.Env, cfg jobs.Config) *jobs.Jobs {
	t.Helper()
	cfg.Pool, cfg.DB = env.Pool, env.DB
	if cfg.Mailer == nil {
		cfg.Mailer = &outbox{}
	}
	j, err := jobs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := j.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return j
}

// inTx runs fn in a transaction of env's pool and commits it.
func inTx(t *testing.T, env *tenanttest.Env, fn func(tx pgx.Tx) error) {
	t.Helper()
	if err := pgx.BeginFunc(context.Background(), env.Pool, fn); err != nil {
		t.Fatal(err)
	}
}

// jobRow is what the tests read of a job.
type jobRow struct {
	ID      int64
	State   string
	Attempt int
	Errors  string // the attempts' errors, one per line
}

// lastJob reads the newest job of kind, with tenant id tenantID when it is
// not 0. ok is false when there is none.
func lastJob(t *testing.T, env *tenanttest.Env, kind string, tenantID int64) (jobRow, bool) {
	t.Helper()
	var r jobRow
	err := env.Pool.QueryRow(context.Background(), `SELECT id, state::text, attempt,
		coalesce(array_to_string(errors, E'\n'), '')
		FROM public.river_job WHERE kind = $1 AND ($2 = 0 OR (args->>'tenant_id')::bigint = $2)
		ORDER BY id DESC LIMIT 1`, kind, tenantID).Scan(&r.ID, &r.State, &r.Attempt, &r.Errors)
	if err == pgx.ErrNoRows {
		return r, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return r, true
}

// waitFinal polls the newest job of kind (and tenant, unless 0) until it is
// completed, cancelled or discarded, and returns it.
func waitFinal(t *testing.T, env *tenanttest.Env, kind string, tenantID int64) jobRow {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		r, ok := lastJob(t, env, kind, tenantID)
		if ok && (r.State == "completed" || r.State == "cancelled" || r.State == "discarded") {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s of tenant %d not finished within %v: %+v (found: %v)", kind, tenantID, waitLimit, r, ok)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFor polls cond until it holds, failing t after waitLimit.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %v", what, waitLimit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// withItems makes tenants of the items application, whose items table the
// seed hooks of the tests write.
var withItems = &tenanttest.Options{App: items.App()}

// countItems counts the items in tenant t's schema.
func countItems(t *testing.T, env *tenanttest.Env, ten *tenantry.Tenant) int {
	t.Helper()
	var n int
	err := env.DB.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT count(*) FROM items").Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// insertItem is a seed hook's body: one item in the bound tenant.
func insertItem(ctx context.Context, tx *tenantdb.Tx, title string) error {
	_, err := tx.Exec(ctx, "INSERT INTO items (name) VALUES ($1)", title)
	return err
}
