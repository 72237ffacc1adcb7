package tenantdb_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// The tests in this file run tenant transactions through a real PgBouncer
// in transaction pooling mode (tenanttest.PgBouncerURL), where consecutive
// transactions of one client may run on different server connections and
// one server connection serves many clients in turn: whatever a
// transaction leaves on its server connection reaches the next client.

// bouncerPool returns a pool of up to maxConns connections through the test
// PgBouncer to the database of directURL, closed when t ends.
func bouncerPool(t *testing.T, directURL string, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(tenanttest.PgBouncerURL(t, directURL))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// setupBehindPgBouncer is setup with the fixture's one-connection pool
// going through PgBouncer. With a single client, PgBouncer hands it the
// server connection released last, so assertClean inspects the server
// connection the previous transaction ran on.
func setupBehindPgBouncer(t *testing.T, opts *tenanttest.Options) *fixture {
	t.Helper()
	f := setup(t, opts)
	f.one = bouncerPool(t, f.env.URL, 1)
	f.db = tenantdb.New(f.one, nil)
	return f
}

// bouncerScenarios are ways a tenant transaction can end; after each, the
// server connection it used must carry nothing of it.
var bouncerScenarios = []struct {
	name string
	run  func(t *testing.T, f *fixture)
}{
	{"commit", func(t *testing.T, f *fixture) {
		err := f.db.InTenant(context.Background(), f.a, func(tx *tenantdb.Tx) error {
			_, err := tx.Exec(context.Background(), "UPDATE items SET description = 'seen behind PgBouncer'")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}},
	{"callback error", func(t *testing.T, f *fixture) {
		errBoom := errors.New("boom")
		err := f.db.InTenant(context.Background(), f.a, func(tx *tenantdb.Tx) error {
			if _, err := tx.Exec(context.Background(), "INSERT INTO items (name) VALUES ('lost')"); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("got %v, want the callback's error", err)
		}
	}},
	{"failing statement", func(t *testing.T, f *fixture) {
		err := f.db.InTenant(context.Background(), f.a, func(tx *tenantdb.Tx) error {
			if _, err := tx.Exec(context.Background(), "INSERT INTO items (name) VALUES ('lost')"); err != nil {
				return err
			}
			_, err := tx.Exec(context.Background(), "SELECT 1/0")
			return err
		})
		expectCode(t, err, "22012")
	}},
	{"other tenant's schema", func(t *testing.T, f *fixture) {
		err := f.db.InTenant(context.Background(), f.a, func(tx *tenantdb.Tx) error {
			_, err := tx.Exec(context.Background(), "SELECT count(*) FROM tenant_beta.items")
			return err
		})
		expectCode(t, err, "42501")
	}},
	{"panic", func(t *testing.T, f *fixture) {
		defer func() {
			if p := recover(); p != "oops" {
				t.Errorf("recovered %v, want the callback's panic", p)
			}
		}()
		_ = f.db.InTenant(context.Background(), f.a, func(tx *tenantdb.Tx) error {
			if _, err := tx.Exec(context.Background(), "INSERT INTO items (name) VALUES ('lost')"); err != nil {
				t.Error(err)
			}
			panic("oops")
		})
	}},
	{"cancelled context", func(t *testing.T, f *fixture) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		err := f.db.InTenant(ctx, f.a, func(tx *tenantdb.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO items (name) VALUES ('lost')"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "SELECT pg_sleep(10)")
			return err
		})
		if err == nil {
			t.Fatal("a query past its deadline succeeded")
		}
	}},
	{"savepoint rollback", func(t *testing.T, f *fixture) {
		err := f.db.InTenant(context.Background(), f.a, func(tx *tenantdb.Tx) error {
			if err := enterOtherInSavepoint(tx, f.b); err != nil {
				return err
			}
			return checkBinding(tx, f.a)
		})
		if err != nil {
			t.Fatal(err)
		}
	}},
	{"bound to its tenant", func(t *testing.T, f *fixture) {
		for _, ten := range []*tenantry.Tenant{f.a, f.b} {
			err := f.db.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error { return checkBinding(tx, ten) })
			if err != nil {
				t.Error(err)
			}
		}
	}},
	{"pipeline", func(t *testing.T, f *fixture) {
		if err := checkPipelineBinding(f.db, f.b); err != nil {
			t.Fatal(err)
		}
	}},
	{"failing pipeline", func(t *testing.T, f *fixture) {
		b := &pgx.Batch{}
		b.Queue("INSERT INTO items (name) VALUES ('lost')")
		b.Queue("SELECT count(*) FROM tenant_alpha.items")
		expectCode(t, f.db.Pipeline(context.Background(), f.b, b), "42501")
	}},
}

func TestIsolationHoldsBehindPgBouncer(t *testing.T) {
	for _, login := range logins {
		t.Run(login.name, func(t *testing.T) {
			t.Parallel()
			f := setupBehindPgBouncer(t, login.opts)
			for _, sc := range bouncerScenarios {
				t.Run(sc.name, func(t *testing.T) {
					sc.run(t, f)
					f.assertClean(t)
				})
			}
			f.assertItems(t, f.a, 1)
			f.assertItems(t, f.b, 1)
		})
	}
}

// TestSessionSetLeaksThroughPgBouncer is the negative control: it shows
// that these tests can see a leak. A session-level SET search_path and SET
// ROLE, which Tenantry never issues, stay on the server connection and
// reach a brand-new client that never named a tenant, which then reads
// another tenant's data. The same binding made transaction-local, as
// tenantdb makes it, reaches nobody.
func TestSessionSetLeaksThroughPgBouncer(t *testing.T) {
	f := setup(t, &tenanttest.Options{NonSuperuser: true})
	url := tenanttest.PgBouncerURL(t, f.env.URL)
	schema := pgx.Identifier{f.b.SchemaName}.Sanitize()

	transactionLocal := "BEGIN; SELECT set_config('search_path', " + literal(schema+", public") +
		", true), set_config('role', " + literal(f.b.RoleName) + ", true); COMMIT"
	if seen := stateOfNextClient(t, url, transactionLocal); seen.searchPath != `"$user", public` || seen.role != seen.session || seen.items != "" {
		t.Errorf("a transaction-local binding reached the next client: %+v", seen)
	}

	session := "SET search_path = " + schema + ", public; SET ROLE " + pgx.Identifier{f.b.RoleName}.Sanitize()
	seen := stateOfNextClient(t, url, session)
	if seen.role != f.b.RoleName || seen.items != "item of beta" {
		t.Errorf("a session-level SET did not reach the next client through PgBouncer (%+v): "+
			"this test could not see a leak; is the pool in transaction mode?", seen)
	}
}

// clientState is what a fresh client finds on its connection.
type clientState struct {
	pid                  int
	searchPath           string
	role, session, items string
}

// stateOfNextClient runs setSQL on one client through PgBouncer, leaves
// that client connected (so PgBouncer cannot reset anything on its
// disconnection), and returns what a second, brand-new client finds: its
// search_path, current and session user, and the unqualified items it can
// read ("" when items resolves to no table).
func stateOfNextClient(t *testing.T, url, setSQL string) clientState {
	t.Helper()
	ctx := context.Background()
	first, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close(ctx)
	var pid int
	if err := first.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Exec(ctx, setSQL); err != nil {
		t.Fatalf("%s: %v", setSQL, err)
	}
	second, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close(ctx)
	var s clientState
	var resolves bool // items exists only in tenant schemas
	err = second.QueryRow(ctx, `SELECT pg_backend_pid(), current_setting('search_path'), current_user::text, session_user::text,
		to_regclass('items') IS NOT NULL`).Scan(&s.pid, &s.searchPath, &s.role, &s.session, &resolves)
	if err != nil {
		t.Fatal(err)
	}
	if s.pid != pid {
		t.Fatalf("the second client got server process %d, not %d: PgBouncer did not hand it the first client's server connection", s.pid, pid)
	}
	if resolves {
		if err := second.QueryRow(ctx, "SELECT coalesce(string_agg(name, ','), '') FROM items").Scan(&s.items); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestManyClientsShareFewServerConnectionsWithoutLeaks runs 32 clients
// over PgBouncerPoolSize server connections, each running tenant
// transactions for four tenants that commit, roll back, fail on a
// statement, are cancelled, panic, roll back a savepoint that entered
// another tenant, or go through Pipeline. After each, the client checks
// that a plain statement finds no binding, and that its next transaction
// (for another tenant) and pipeline are bound to exactly the tenant they
// were opened for and read only that tenant's marker.
func TestManyClientsShareFewServerConnectionsWithoutLeaks(t *testing.T) {
	const clients, rounds = 32, 24
	env := tenanttest.Setup(t, withItems(&tenanttest.Options{NonSuperuser: true}))
	var tenants []*tenantry.Tenant
	for _, slug := range []string{"alpha", "beta", "gamma", "delta"} {
		ten := env.CreateTenant(t, slug)
		err := env.DB.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error {
			_, err := tx.Exec(context.Background(), "INSERT INTO items (name) VALUES ($1)", marker(ten))
			return err
		})
		if err != nil {
			t.Fatalf("seed %s: %v", slug, err)
		}
		tenants = append(tenants, ten)
	}
	pool := bouncerPool(t, env.URL, clients)
	db := tenantdb.New(pool, nil)
	h := &hunt{db: db, pool: pool, clientsOf: map[int]map[int]bool{}}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for r := range rounds {
				own, other := tenants[(c+r)%len(tenants)], tenants[(c+r+1)%len(tenants)]
				op := leakOps[(c*7+r)%len(leakOps)]
				if err := h.round(c, op.run, own, other); err != nil {
					t.Errorf("client %d, round %d (%s for %s): %v", c, r, op.name, own.Slug, err)
					return
				}
			}
		})
	}
	wg.Wait()
	h.assertShared(t, clients)
	for _, ten := range tenants {
		assertOnlyMarker(t, env, ten)
	}
}

// hunt runs the rounds of TestManyClientsShareFewServerConnectionsWithoutLeaks
// and records which clients each server process served.
type hunt struct {
	db        *tenantdb.DB
	pool      *pgxpool.Pool
	mu        sync.Mutex
	clientsOf map[int]map[int]bool // server pid -> clients
	checks    int
}

// round runs op for own, then checks a plain statement and a transaction
// for other, which runs on whatever server connection PgBouncer hands out.
func (h *hunt) round(client int, op func(*tenantdb.DB, *tenantry.Tenant, *tenantry.Tenant) error, own, other *tenantry.Tenant) error {
	if err := op(h.db, own, other); err != nil {
		return err
	}
	if err := checkUnbound(h.pool); err != nil {
		return err
	}
	var pid int
	err := h.db.InTenant(context.Background(), other, func(tx *tenantdb.Tx) error {
		if err := tx.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			return err
		}
		return checkBinding(tx, other)
	})
	if err != nil {
		return fmt.Errorf("next transaction, for %s: %w", other.Slug, err)
	}
	if err := checkPipelineBinding(h.db, own); err != nil {
		return fmt.Errorf("next pipeline, for %s: %w", own.Slug, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.clientsOf[pid] == nil {
		h.clientsOf[pid] = map[int]bool{}
	}
	h.clientsOf[pid][client] = true
	h.checks++
	return nil
}

// assertShared fails t unless server connections were in fact shared
// between clients, which is what gives the test its power.
func (h *hunt) assertShared(t *testing.T, clients int) {
	t.Helper()
	most := 0
	for _, cs := range h.clientsOf {
		most = max(most, len(cs))
	}
	t.Logf("%d checked rounds by %d clients ran on %d server processes; the busiest served %d clients",
		h.checks, clients, len(h.clientsOf), most)
	if most < 2 && !t.Failed() {
		t.Errorf("no server process served two clients: the test did not exercise transaction pooling")
	}
}

// leakOps are the ways a round's first transaction ends. Each returns an
// error when the outcome is not the expected one.
var leakOps = []struct {
	name string
	run  func(db *tenantdb.DB, own, other *tenantry.Tenant) error
}{
	{"commit", func(db *tenantdb.DB, own, _ *tenantry.Tenant) error {
		return db.InTenant(context.Background(), own, func(tx *tenantdb.Tx) error {
			tag, err := tx.Exec(context.Background(), "UPDATE items SET description = $1 WHERE name = $2", "committed for "+own.Slug, marker(own))
			if err == nil && tag.RowsAffected() != 1 {
				err = fmt.Errorf("the update of %s's marker touched %d rows", own.Slug, tag.RowsAffected())
			}
			return err
		})
	}},
	{"rollback", func(db *tenantdb.DB, own, _ *tenantry.Tenant) error {
		errRollback := errors.New("roll back")
		err := db.InTenant(context.Background(), own, func(tx *tenantdb.Tx) error {
			if _, err := tx.Exec(context.Background(), "INSERT INTO items (name) VALUES ('lost')"); err != nil {
				return err
			}
			return errRollback
		})
		return expectErr(err, errRollback)
	}},
	{"failing statement", func(db *tenantdb.DB, own, _ *tenantry.Tenant) error {
		err := db.InTenant(context.Background(), own, func(tx *tenantdb.Tx) error {
			if _, err := tx.Exec(context.Background(), "INSERT INTO items (name) VALUES ('lost')"); err != nil {
				return err
			}
			_, err := tx.Exec(context.Background(), "SELECT 1/0")
			return err
		})
		return expectPgCode(err, "22012")
	}},
	{"other tenant's schema", func(db *tenantdb.DB, own, other *tenantry.Tenant) error {
		err := db.InTenant(context.Background(), own, func(tx *tenantdb.Tx) error {
			_, err := tx.Exec(context.Background(), "SELECT count(*) FROM "+pgx.Identifier{other.SchemaName, "items"}.Sanitize())
			return err
		})
		return expectPgCode(err, "42501")
	}},
	{"cancelled", func(db *tenantdb.DB, own, _ *tenantry.Tenant) error {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		err := db.InTenant(ctx, own, func(tx *tenantdb.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO items (name) VALUES ('lost')"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "SELECT pg_sleep(5)")
			return err
		})
		if err == nil {
			return errors.New("a query past its deadline succeeded")
		}
		return nil
	}},
	{"panic", func(db *tenantdb.DB, own, _ *tenantry.Tenant) (err error) {
		defer func() {
			if p := recover(); p != "oops" {
				err = fmt.Errorf("recovered %v, want the callback's panic", p)
			}
		}()
		_ = db.InTenant(context.Background(), own, func(tx *tenantdb.Tx) error {
			if _, err := tx.Exec(context.Background(), "INSERT INTO items (name) VALUES ('lost')"); err != nil {
				return err
			}
			panic("oops")
		})
		return errors.New("InTenant returned instead of passing the panic on")
	}},
	{"savepoint rollback", func(db *tenantdb.DB, own, other *tenantry.Tenant) error {
		return db.InTenant(context.Background(), own, func(tx *tenantdb.Tx) error {
			if err := enterOtherInSavepoint(tx, other); err != nil {
				return err
			}
			return checkBinding(tx, own)
		})
	}},
	{"pipeline", func(db *tenantdb.DB, own, _ *tenantry.Tenant) error {
		b := &pgx.Batch{}
		b.Queue("UPDATE items SET description = $1 WHERE name = $2", "piped for "+own.Slug, marker(own)).Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != 1 {
				return fmt.Errorf("the update of %s's marker touched %d rows", own.Slug, tag.RowsAffected())
			}
			return nil
		})
		return db.Pipeline(context.Background(), own, b)
	}},
	{"failing pipeline", func(db *tenantdb.DB, own, _ *tenantry.Tenant) error {
		b := &pgx.Batch{}
		b.Queue("INSERT INTO items (name) VALUES ('lost')")
		b.Queue("SELECT 1/0")
		return expectPgCode(db.Pipeline(context.Background(), own, b), "22012")
	}},
}

func marker(t *tenantry.Tenant) string { return "marker of " + t.Slug }

// checkBinding returns an error unless tx is bound to exactly ten: its
// search_path, role and tenantry.tenant_id, and the items it reads (only
// ten's marker, or the one item setup seeded).
func checkBinding(tx *tenantdb.Tx, ten *tenantry.Tenant) error {
	var path, user, role, tid string
	var titles []string
	err := tx.QueryRow(context.Background(), `SELECT current_setting('search_path'), current_user::text,
		current_setting('role'), current_setting('tenantry.tenant_id'),
		(SELECT array_agg(name ORDER BY name) FROM items)`).Scan(&path, &user, &role, &tid, &titles)
	if err != nil {
		return fmt.Errorf("read the binding: %w", err)
	}
	return compareBinding(ten, path, user, role, tid, titles)
}

// checkPipelineBinding reads the binding of a pipeline for ten.
func checkPipelineBinding(db *tenantdb.DB, ten *tenantry.Tenant) error {
	var path, user, role, tid string
	var titles []string
	b := &pgx.Batch{}
	b.Queue(`SELECT current_setting('search_path'), current_user::text, current_setting('role'),
		current_setting('tenantry.tenant_id'), (SELECT array_agg(name ORDER BY name) FROM items)`).
		QueryRow(func(r pgx.Row) error { return r.Scan(&path, &user, &role, &tid, &titles) })
	if err := db.Pipeline(context.Background(), ten, b); err != nil {
		return err
	}
	return compareBinding(ten, path, user, role, tid, titles)
}

func compareBinding(ten *tenantry.Tenant, path, user, role, tid string, titles []string) error {
	wantPath := pgx.Identifier{ten.SchemaName}.Sanitize() + ", public"
	ownTitles := slices.Equal(titles, []string{marker(ten)}) || slices.Equal(titles, []string{"item of " + ten.Slug})
	if path != wantPath || user != ten.RoleName || role != ten.RoleName || tid != strconv.FormatInt(ten.ID, 10) || !ownTitles {
		return fmt.Errorf("transaction for %s (id %d, role %s) found search_path=%q current_user=%q role=%q tenant_id=%q items=%q",
			ten.Slug, ten.ID, ten.RoleName, path, user, role, tid, titles)
	}
	return nil
}

// checkUnbound returns an error if a plain statement, outside any tenant
// transaction, finds a binding on the server connection it runs on.
func checkUnbound(pool *pgxpool.Pool) error {
	var path, user, session, role, tid string
	err := pool.QueryRow(context.Background(), `SELECT current_setting('search_path'), current_user::text, session_user::text,
		current_setting('role'), coalesce(current_setting('tenantry.tenant_id', true), '')`).Scan(&path, &user, &session, &role, &tid)
	if err != nil {
		return fmt.Errorf("read the connection's state: %w", err)
	}
	if path != `"$user", public` || user != session || role != "none" || tid != "" {
		return fmt.Errorf("a plain statement found a tenant binding: search_path=%q current_user=%q session_user=%q role=%q tenant_id=%q",
			path, user, session, role, tid)
	}
	return nil
}

// enterOtherInSavepoint binds other's search_path and role inside a
// savepoint of tx, fails a statement there and rolls the savepoint back,
// which must restore tx's own binding.
func enterOtherInSavepoint(tx *tenantdb.Tx, other *tenantry.Tenant) error {
	ctx := context.Background()
	sp, err := tx.Begin(ctx)
	if err != nil {
		return err
	}
	_, err = sp.Exec(ctx, "SELECT set_config('search_path', $1, true), set_config('role', $2, true)",
		pgx.Identifier{other.SchemaName}.Sanitize()+", public", other.RoleName)
	if err != nil {
		return fmt.Errorf("enter %s inside a savepoint: %w", other.Slug, err)
	}
	if _, err := sp.Exec(ctx, "SELECT 1/0"); err == nil {
		return errors.New("division by zero succeeded")
	}
	return sp.Rollback(ctx)
}

// assertOnlyMarker fails t unless ten holds exactly its marker, written
// only by its own commits.
func assertOnlyMarker(t *testing.T, env *tenanttest.Env, ten *tenantry.Tenant) {
	t.Helper()
	var titles, descriptions []string
	err := env.DB.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT array_agg(name), array_agg(description) FROM items").Scan(&titles, &descriptions)
	})
	if err != nil {
		t.Fatal(err)
	}
	okDescription := len(descriptions) == 1 && slices.Contains([]string{"", "committed for " + ten.Slug, "piped for " + ten.Slug}, descriptions[0])
	if !slices.Equal(titles, []string{marker(ten)}) || !okDescription {
		t.Errorf("tenant %s holds items %q with descriptions %q, want only its marker, written by its own commits", ten.Slug, titles, descriptions)
	}
}

func expectErr(err, want error) error {
	if !errors.Is(err, want) {
		return fmt.Errorf("got %v, want %v", err, want)
	}
	return nil
}

func expectPgCode(err error, code string) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != code {
		return fmt.Errorf("got %v, want SQLSTATE %s", err, code)
	}
	return nil
}

func expectCode(t *testing.T, err error, code string) {
	t.Helper()
	if err := expectPgCode(err, code); err != nil {
		t.Error(err)
	}
}

// literal quotes s as an SQL string literal, for the statements the
// negative control must send without parameters.
func literal(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
