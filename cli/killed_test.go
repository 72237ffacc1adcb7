package cli

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenanttest"
)

// staggeredKills is how many times each test below kills its command at
// growing delays after it opened its first database session, beyond the
// kill at a known point.
const staggeredKills = 15

// killDelay is the i-th staggered delay. The property checked holds
// wherever the kill lands; the delays only spread the kills over the work.
func killDelay(i int) time.Duration { return time.Duration(i) * 40 * time.Millisecond }

// killLater waits until p has a database session named app (or has ended),
// sleeps delay and SIGKILLs it.
func killLater(t *testing.T, p *process, pool *pgxpool.Pool, app string, delay time.Duration) {
	t.Helper()
	for {
		var n int
		err := pool.QueryRow(context.Background(), "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		select {
		case <-p.done:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
	time.Sleep(delay)
	kill(t, p)
}

// TestMigrateSIGKILLedLeavesEverySchemaWhole kills "tenantry migrate" over
// forty schemas two migrations behind: once while it waits for a schema's
// lock with others done and some in flight, then at staggered moments.
// After every kill each schema is either wholly at the old version or
// wholly at the new one (ledger and catalog agree), the fleet summary
// agrees with the ledger and records no failure; a last run completes.
func TestMigrateSIGKILLedLeavesEverySchemaWhole(t *testing.T) {
	url := setupCLI(t)
	mustRun(t, "migrate")
	pool := tenanttest.Pool(t, url)
	var names []string
	for i := 1; i <= 40; i++ {
		names = append(names, fmt.Sprintf("s%02d", i))
	}
	makeOldSchemas(t, pool, append(names, "ref_old"))
	makeNewSchema(t, pool, "ref_new")
	t.Setenv("TENANTRY_STATIC_SCHEMAS", "main,"+strings.Join(names, ","))
	const app = "killed_migrate"
	env := []string{"DATABASE_URL=" + withAppName(url, app)}
	ctx := context.Background()

	holder, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", migrate.LockNamespace, "s12"); err != nil {
		t.Fatal(err)
	}
	p := startCLI(t, env, "migrate", "-ss", "--parallel", "4")
	waitUntil(t, "migrate to wait for the lock of s12", func() bool { return waitsForLock(t, pool, app, "advisory") })
	kill(t, p)
	if err := holder.Rollback(ctx); err != nil { // the waiting session may now go on, and must not commit
		t.Fatal(err)
	}
	waitSessionsGone(t, pool, app)
	checkSchemasWhole(t, pool, names)

	for i := range staggeredKills {
		p := startCLI(t, env, "migrate", "-ss", "--parallel", "4")
		killLater(t, p, pool, app, killDelay(i))
		waitSessionsGone(t, pool, app)
		checkSchemasWhole(t, pool, names)
		t.Logf("kill after %s: %d of %d schemas migrated", killDelay(i), countAt(t, pool, names, tenantLevel(t)), len(names))
	}
	if out := mustRun(t, "migrate", "-ss"); !strings.Contains(out, "0 failed") {
		t.Errorf("the last run said %q", out)
	}
	latest := tenantLevel(t)
	for _, name := range names {
		if top, _, summary := schemaVersions(t, pool, name); top != latest || summary != latest {
			t.Errorf("%s after the last run: ledger %d, summary %d; want %d", name, top, summary, latest)
		}
	}
}

// countAt counts the schemas whose ledger is at version.
func countAt(t *testing.T, pool *pgxpool.Pool, names []string, version int) int {
	t.Helper()
	n := 0
	for _, name := range names {
		if top, _, _ := schemaVersions(t, pool, name); top == version {
			n++
		}
	}
	return n
}

// makeNewSchema creates schema with the whole tenant set.
func makeNewSchema(t *testing.T, pool *pgxpool.Pool, schema string) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := testTenantSet(t).Apply(ctx, tx, schema, &migrate.Options{CreateSchema: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// kill SIGKILLs p and waits for it to die.
func kill(t *testing.T, p *process) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL) // it may have finished already
	p.wait(t)
}

// waitsForLock reports whether a session named app waits for a lock of the
// given type.
func waitsForLock(t *testing.T, pool *pgxpool.Pool, app, locktype string) bool {
	t.Helper()
	var waiting bool
	err := pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_stat_activity a USING (pid)
		WHERE l.locktype = $2 AND NOT l.granted AND a.application_name = $1)`, app, locktype).Scan(&waiting)
	return err == nil && waiting
}

// catalogSQL describes a schema's tables and columns, to compare it with a
// reference schema.
const catalogSQL = `SELECT coalesce(string_agg(c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY c.relname, a.attnum), '')
	FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
	WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`

// checkSchemasWhole checks that each schema is wholly at the old version
// (like ref_old) or the new one (like ref_new), with a fleet summary that
// agrees and no failure recorded.
func checkSchemasWhole(t *testing.T, pool *pgxpool.Pool, names []string) {
	t.Helper()
	ctx := context.Background()
	catalog := func(schema string) string {
		var c string
		if err := pool.QueryRow(ctx, catalogSQL, schema).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	old, latest := oldLevel(), tenantLevel(t)
	want := map[int]string{old: catalog("ref_old"), latest: catalog("ref_new")}
	for _, name := range names {
		top, rows, summary := schemaVersions(t, pool, name)
		switch {
		case (top != old && top != latest) || rows != top:
			t.Errorf("%s: ledger at %d with %d rows, want %d or %d rows in order", name, top, rows, old, latest)
		case catalog(name) != want[top]:
			t.Errorf("%s: ledger at %d, but its tables are not those of that version", name, top)
		case summary != -1 && summary != top:
			t.Errorf("%s: fleet summary at %d, ledger at %d", name, summary, top)
		}
	}
	var failures int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM public.tenantry_schema_state WHERE last_error IS NOT NULL").Scan(&failures); err != nil || failures != 0 {
		t.Errorf("fleet summary records %d failures (%v)", failures, err)
	}
}

// TestTenantCreateSIGKILLedLeavesNoOrphan kills "tenantry tenant create"
// once while its transaction waits, with the tenant's row, role and schema
// made, to add the domain; then at staggered moments, with spares in the
// pool and without. After every kill the catalog holds no orphan: every
// tenant schema and role has its registry row and every registry row its
// schema, role, primary domain and fleet-summary row. Each create run again
// then completes, or finds the tenant made.
func TestTenantCreateSIGKILLedLeavesNoOrphan(t *testing.T) {
	url := setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "spares", "fill", "--count", "3")
	pool := tenanttest.Pool(t, url)
	const app = "killed_create"
	env := []string{"DATABASE_URL=" + withAppName(url, app)}
	create := func(slug string) []string {
		return []string{"tenant", "create", "--slug", slug, "--name", "Killed " + slug, "--domain", slug + ".example.com",
			"--admin-username", "ana", "--admin-email", "ana@" + slug + ".example.com", "--admin-password", "a long password"}
	}
	ctx := context.Background()

	holder, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, "LOCK TABLE public.domains IN SHARE MODE"); err != nil {
		t.Fatal(err)
	}
	p := startCLI(t, env, create("held")...)
	waitUntil(t, "create to wait to add its domain", func() bool { return waitsForLock(t, pool, app, "relation") })
	kill(t, p)
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	waitSessionsGone(t, pool, app)
	checkNoOrphans(t, pool)

	slugs := []string{"held"}
	for i := range staggeredKills {
		slug := fmt.Sprintf("k%02d", i)
		slugs = append(slugs, slug)
		p := startCLI(t, env, create(slug)...)
		killLater(t, p, pool, app, killDelay(i))
		waitSessionsGone(t, pool, app)
		checkNoOrphans(t, pool)
		var made bool
		_ = pool.QueryRow(ctx, "SELECT EXISTS (SELECT FROM public.tenants WHERE slug = $1)", slug).Scan(&made)
		t.Logf("kill after %s: tenant %s made: %v", killDelay(i), slug, made)
	}
	for _, slug := range slugs {
		code, _, errOut := run(t, create(slug)...)
		if code != ExitOK && (code != ExitUsage || !strings.Contains(errOut, "tenant already exists")) {
			t.Errorf("create %s again: exit %d, %s", slug, code, errOut)
		}
	}
	checkNoOrphans(t, pool)
	var tenants int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM public.tenants").Scan(&tenants); err != nil || tenants != len(slugs) {
		t.Errorf("%d tenants for %d slugs (%v)", tenants, len(slugs), err)
	}
}

// orphansSQL lists, one per row, what a create cut short could leave
// behind.
const orphansSQL = `WITH prefix AS (SELECT 'tenantry_' || oid || '_' AS p FROM pg_database WHERE datname = current_database())
SELECT 'schema without tenant: ' || nspname FROM pg_namespace
	WHERE nspname LIKE 'tenant\_%' AND nspname NOT IN (SELECT schema_name FROM public.tenants)
UNION ALL SELECT 'tenant without schema: ' || slug FROM public.tenants
	WHERE schema_name NOT IN (SELECT nspname FROM pg_namespace)
UNION ALL SELECT 'role without tenant: ' || rolname FROM pg_roles, prefix
	WHERE starts_with(rolname, p) AND rolname NOT IN (SELECT role_name FROM public.tenants WHERE role_name IS NOT NULL)
UNION ALL SELECT 'tenant without role: ' || slug FROM public.tenants
	WHERE role_name IS NULL OR role_name NOT IN (SELECT rolname FROM pg_roles)
UNION ALL SELECT 'tenant without primary domain: ' || slug FROM public.tenants t
	WHERE NOT EXISTS (SELECT FROM public.domains d WHERE d.tenant_id = t.id AND d.is_primary)
UNION ALL SELECT 'tenant without fleet-summary row: ' || slug FROM public.tenants t
	WHERE NOT EXISTS (SELECT FROM public.tenantry_schema_state s WHERE s.schema_name = t.schema_name AND s.kind = 'dynamic')
UNION ALL SELECT 'spare without fleet-summary row: ' || nspname FROM pg_namespace
	WHERE starts_with(nspname, $1) AND nspname NOT IN (SELECT schema_name FROM public.tenantry_schema_state)
UNION ALL SELECT 'fleet-summary row without schema: ' || schema_name FROM public.tenantry_schema_state
	WHERE schema_name NOT IN (SELECT nspname FROM pg_namespace)`

func checkNoOrphans(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	rows, _ := pool.Query(context.Background(), orphansSQL, provision.SparePrefix)
	orphans, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(orphans) > 0 {
		t.Errorf("orphans:\n%s", strings.Join(orphans, "\n"))
	}
}
