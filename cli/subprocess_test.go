package cli

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/examples/items"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/migrations"
)

// process is the tenantry command running as a process of its own: this
// test binary, which TestMain turns into the command.
type process struct {
	cmd         *exec.Cmd
	out, errOut *syncBuffer
	done        chan struct{}
	code        int // once done is closed: the exit status, -1 if killed
}

// startCLI starts the command with args and the test's environment plus env
// (NAME=value entries, which win).
func startCLI(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(os.Args[0], args...), out: &syncBuffer{}, errOut: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Env = append(append(os.Environ(), "TENANTRY_TEST_RUN_MAIN=1"), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.errOut
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		if err != nil && p.code == 0 {
			p.code = -1
		}
		close(p.done)
	}()
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-p.done })
	return p
}

// wait returns the exit status, failing t if the process runs for more than
// a minute (a hang, not slowness).
func (p *process) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(time.Minute):
		t.Fatalf("%v still running after a minute\nstdout: %s\nstderr: %s", p.cmd.Args, p.out, p.errOut)
		return 0
	}
}

// withAppName returns url with application_name set, so the test can find
// the command's sessions in pg_stat_activity.
func withAppName(url, name string) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "application_name=" + name
}

// waitSessionsGone waits until no session named app is left: a killed
// command's backends finish (and roll back) on their own.
func waitSessionsGone(t *testing.T, pool *pgxpool.Pool, app string) {
	t.Helper()
	waitUntil(t, "the sessions of "+app+" to end", func() bool {
		var n int
		err := pool.QueryRow(context.Background(), "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n)
		return err == nil && n == 0
	})
}

// oldTenantSet is the reference tenant set without its last two
// migrations: schemas made with it are behind, with two migrations (in one
// transaction) to go.
func oldTenantSet(t *testing.T) *migrate.Set {
	t.Helper()
	ms := migrations.Tenant().Migrations()
	set, err := migrate.NewSet("tenant", ms[:len(ms)-2])
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// tenantLevel is the level of a schema the test application's tenant set
// has fully migrated: Tenantry's line and the items line.
func tenantLevel(t *testing.T) int {
	t.Helper()
	return testTenantSet(t).Latest()
}

// testTenantSet is the tenant set of the application the tests run.
func testTenantSet(t *testing.T) *migrate.Set {
	t.Helper()
	sets, err := items.App().Sets(nil)
	if err != nil {
		t.Fatal(err)
	}
	return sets.Tenant
}

// oldLevel is the level of a schema made by oldTenantSet.
func oldLevel() int { return migrations.Tenant().Latest() - 2 }

// makeOldSchemas creates the schemas with the old tenant set.
func makeOldSchemas(t *testing.T, pool *pgxpool.Pool, names []string) {
	t.Helper()
	set := oldTenantSet(t)
	ctx := context.Background()
	for _, name := range names {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, err := set.Apply(ctx, tx, name, &migrate.Options{CreateSchema: true})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// schemaVersions returns each schema's ledger, as the highest version and
// the number of rows, and its fleet-summary version (-1 without a row).
func schemaVersions(t *testing.T, pool *pgxpool.Pool, schema string) (top, rows, summary int) {
	t.Helper()
	ctx := context.Background()
	// The level is the sum of each line's highest version (see migrate.Set).
	err := pool.QueryRow(ctx, "SELECT coalesce(sum(top), 0)::int, coalesce(sum(n), 0)::int FROM "+
		"(SELECT max(version) AS top, count(*) AS n FROM "+
		pgx.Identifier{schema, "tenantry_migrations"}.Sanitize()+" GROUP BY line) AS lines").Scan(&top, &rows)
	if err != nil {
		t.Fatal(err)
	}
	err = pool.QueryRow(ctx, "SELECT version FROM public.tenantry_schema_state WHERE schema_name = $1", schema).Scan(&summary)
	if errors.Is(err, pgx.ErrNoRows) {
		return top, rows, -1
	}
	if err != nil {
		t.Fatal(err)
	}
	return top, rows, summary
}
