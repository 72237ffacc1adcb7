package provision_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// readLoop reads ten's items in tenant transactions until stop is closed
// and returns the number of reads and the errors met.
func readLoop(env *tenanttest.Env, ten *tenantry.Tenant, stop <-chan struct{}) (reads int, errs []error) {
	for {
		select {
		case <-stop:
			return reads, errs
		default:
		}
		err := env.DB.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error {
			var n int
			return tx.QueryRow(context.Background(), "SELECT count(*) FROM items").Scan(&n)
		})
		if err != nil {
			errs = append(errs, err)
		}
		reads++
	}
}

// TestDeleteOfThousandsOfTablesFitsTheLockTable runs on a cluster with
// max_connections=100 and the default max_locks_per_transaction (64): its
// shared lock table holds about 7,800 locks, fewer than one DROP SCHEMA of
// a tenant with 2,000 tables takes.
func TestDeleteOfThousandsOfTablesFitsTheLockTable(t *testing.T) {
	admin := tenanttest.StartCluster(t, map[string]string{"max_connections": "100"})
	env := tenanttest.Setup(t, withItems(&tenanttest.Options{AdminURL: admin, NonSuperuser: true}))
	ctx := context.Background()
	keep := env.CreateTenant(t, "keep")
	bigs := make([]*tenantry.Tenant, 4)
	for i := range bigs {
		bigs[i] = env.CreateTenant(t, fmt.Sprintf("big%d", i+1))
		tenanttest.AddTables(t, env.Pool, bigs[i].SchemaName, 2000)
	}

	// The premise: dropping such a schema in one transaction fails.
	err := pgx.BeginFunc(ctx, env.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "DROP SCHEMA "+sqlquote.Ident(bigs[0].SchemaName)+" CASCADE")
		return err
	})
	if pgerr.Code(err) != "53200" { // out_of_memory: "out of shared memory"
		t.Fatalf("one DROP SCHEMA of 2,000 tables = %v, want out of shared memory", err)
	}

	stop := make(chan struct{})
	var reads int
	var readErrs []error
	var readers sync.WaitGroup
	readers.Go(func() { reads, readErrs = readLoop(env, keep, stop) })
	errs := make([]error, len(bigs))
	var wg sync.WaitGroup
	for i, big := range bigs {
		wg.Go(func() { _, errs[i] = env.Provisioner.Delete(ctx, big.Slug) })
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	t.Logf("%d reads of another tenant during the deletes", reads)

	for i, err := range errs {
		if err != nil {
			t.Errorf("Delete(%s): %v", bigs[i].Slug, err)
		}
		assertGone(t, env, bigs[i])
	}
	if reads == 0 || len(readErrs) > 0 {
		t.Errorf("another tenant's reads during the deletes: %d, failed: %d (first: %v)", reads, len(readErrs), first(readErrs))
	}
	assertFootprint(t, env, footprint{tenants: 1, domains: 1, states: 1, schemas: 1, roles: 1})
}

func first(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}

func TestInterruptedDeleteLeavesTheTenantDeletingAndResumes(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	bg := context.Background()
	other := env.CreateTenant(t, "other")
	ten := env.CreateTenant(t, "acme")
	tenanttest.AddTables(t, env.Pool, ten.SchemaName, 40)

	// A "crash" after the first step: its context ends.
	ctx, cancel := context.WithCancel(bg)
	var steps atomic.Int32
	p := provision.New(env.Pool, &provision.Config{DeleteLocks: 20,
		OnDeleteStep: func(*tenantry.Tenant, int, int) { steps.Add(1); cancel() }})
	if _, err := p.Delete(ctx, "acme"); !errors.Is(err, context.Canceled) || steps.Load() != 1 {
		t.Fatalf("interrupted Delete = %v after %d steps, want context.Canceled after 1", err, steps.Load())
	}
	if n := tableCount(t, env, ten.SchemaName); n == 0 || n >= 40 {
		t.Fatalf("after one step the schema holds %d tables, want some of the 40 gone and some left", n)
	}
	assertDeleting(t, env, ten)

	got, err := env.Provisioner.Delete(bg, "acme.test")
	if err != nil || got.ID != ten.ID {
		t.Fatalf("resumed Delete = %v, %v; want tenant %v", got, err, ten)
	}
	assertGone(t, env, ten)
	if _, err := env.Registry.Find(bg, other.Slug); err != nil {
		t.Errorf("the other tenant went too: %v", err)
	}
	assertAudited(t, env, ten, map[string]int{"tenant.deleting": 1, "tenant.deleted": 1})
}

// assertDeleting fails t unless ten is registered with status deleting and
// refuses what a deleting tenant refuses.
func assertDeleting(t *testing.T, env *tenanttest.Env, ten *tenantry.Tenant) {
	t.Helper()
	ctx := context.Background()
	if got, err := env.Registry.Find(ctx, ten.Slug); err != nil || got.Status != tenantry.StatusDeleting {
		t.Errorf("Find(%s) = %v, %v; want status deleting", ten.Slug, got, err)
	}
	err := env.DB.InTenant(ctx, ten, func(*tenantdb.Tx) error { return nil })
	if !errors.Is(err, tenantry.ErrTenantNotFound) {
		t.Errorf("InTenant(deleting tenant) = %v, want ErrTenantNotFound", err)
	}
	for _, st := range []tenantry.Status{tenantry.StatusActive, tenantry.StatusSuspended} {
		if _, err := env.Registry.SetStatus(ctx, ten.Slug, st); !errors.Is(err, tenantry.ErrTenantDeleting) {
			t.Errorf("SetStatus(deleting tenant, %s) = %v, want ErrTenantDeleting", st, err)
		}
	}
	req := provision.Request{Slug: ten.Slug, Name: "Again", Domain: "again.test"}
	if _, err := env.Provisioner.Create(ctx, req); !errors.Is(err, tenantry.ErrTenantExists) {
		t.Errorf("Create over a deleting tenant = %v, want ErrTenantExists", err)
	}
}

func tableCount(t *testing.T, env *tenanttest.Env, schema string) int {
	t.Helper()
	var n int
	err := env.Pool.QueryRow(context.Background(),
		"SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'bulk\\_%'", schema).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// assertAudited fails t unless ten's audit log holds each action the given
// number of times.
func assertAudited(t *testing.T, env *tenanttest.Env, ten *tenantry.Tenant, want map[string]int) {
	t.Helper()
	for action, n := range want {
		var got int
		err := env.Pool.QueryRow(context.Background(),
			"SELECT count(*) FROM public.audit_log WHERE tenant_id = $1 AND action = $2", ten.ID, action).Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("audit log of %s holds %s %d times, want %d", ten.Slug, action, got, n)
		}
	}
}

// TestDeleteDropsEveryKindOfObject drops, one or two at a time, objects of
// each kind that the steps handle and some they leave to the last one.
func TestDeleteDropsEveryKindOfObject(t *testing.T) {
	for _, login := range logins {
		t.Run(login.name, func(t *testing.T) {
			t.Parallel()
			env := tenanttest.Setup(t, withItems(login.opts))
			keep := env.CreateTenant(t, "keep")
			ten := env.CreateTenant(t, "acme")
			makeObjects(t, env, ten.SchemaName)
			var planned int
			p := provision.New(env.Pool, &provision.Config{DeleteLocks: 4,
				OnDeleteStep: func(_ *tenantry.Tenant, _, n int) { planned = n }})
			if _, err := p.Delete(context.Background(), "acme"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if planned < 20 {
				t.Errorf("%d objects planned, want every relation, type and routine", planned)
			}
			assertGone(t, env, ten)
			if _, err := env.Registry.Find(context.Background(), keep.Slug); err != nil {
				t.Errorf("the other tenant went too: %v", err)
			}
		})
	}
}

// makeObjects creates objects of many kinds in schema, depending on one
// another, as the login role.
func makeObjects(t *testing.T, env *tenanttest.Env, schema string) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, env.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", sqlquote.Ident(schema)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			CREATE TYPE mood AS ENUM ('ok', 'not ok');
			CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
			CREATE TYPE pair AS (a integer, b integer);
			CREATE TYPE span AS RANGE (subtype = integer);
			CREATE SEQUENCE loose;
			CREATE TABLE parent (id serial PRIMARY KEY, m mood, p positive, s span, note text);
			CREATE TABLE child (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
				parent_id integer REFERENCES parent (id), pr pair);
			CREATE INDEX ON child (parent_id);
			CREATE TABLE events (at date NOT NULL, what text) PARTITION BY RANGE (at);
			CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
			CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
			CREATE VIEW parents_and_children AS SELECT p.id, c.id AS child FROM parent p JOIN child c ON c.parent_id = p.id;
			CREATE MATERIALIZED VIEW mood_counts AS SELECT m, count(*) FROM parent GROUP BY m;
			CREATE FUNCTION twice(x positive) RETURNS integer LANGUAGE sql AS 'SELECT x * 2';
			CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
			CREATE TRIGGER touch BEFORE UPDATE ON parent FOR EACH ROW EXECUTE FUNCTION touch();
			CREATE PROCEDURE tidy() LANGUAGE sql AS 'DELETE FROM child';
			CREATE AGGREGATE total(integer) (sfunc = int4pl, stype = integer);
			CREATE COLLATION plain FROM "C";
			CREATE TEXT SEARCH CONFIGURATION words (COPY = pg_catalog.simple);
			INSERT INTO parent (m, p, note) VALUES ('ok', 1, repeat('x', 10000));`)
		return err
	})
	if err != nil {
		t.Fatalf("make objects in %s: %v", schema, err)
	}
}

// A tenant transaction that began before the delete sees the whole schema
// until it ends: the delete's steps wait for it. One that begins after is
// refused.
func TestDeleteWaitsForTheTenantsTransactionsInProgress(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, withItems(nil))
	ctx := context.Background()
	ten := env.CreateTenant(t, "acme")
	tenanttest.AddTables(t, env.Pool, ten.SchemaName, 10)
	deleted := make(chan error, 1)
	err := env.DB.InTenant(ctx, ten, func(tx *tenantdb.Tx) error {
		go func() { _, err := env.Provisioner.Delete(ctx, "acme"); deleted <- err }()
		for status := tenantry.StatusActive; status != tenantry.StatusDeleting; {
			select {
			case err := <-deleted:
				return fmt.Errorf("Delete returned %v while a tenant transaction was in progress", err)
			default:
			}
			got, err := env.Registry.Find(ctx, "acme")
			if err != nil {
				return err
			}
			status = got.Status
		}
		if err := env.DB.InTenant(ctx, ten, func(*tenantdb.Tx) error { return nil }); !errors.Is(err, tenantry.ErrTenantNotFound) {
			t.Errorf("a transaction begun after the delete = %v, want ErrTenantNotFound", err)
		}
		var n int
		err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM items) + (SELECT count(*) FROM bulk_10)`).Scan(&n)
		if err != nil {
			return fmt.Errorf("the transaction in progress lost its tables: %w", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-deleted; err != nil {
		t.Fatalf("Delete: %v", err)
	}
	assertGone(t, env, ten)
}
