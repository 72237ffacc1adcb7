package cli

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/tenanttest"
)

// TestMigrateInterruptedBySIGTERMSaysRunItAgain runs "tenantry migrate
// --parallel 1" over twelve schemas two migrations behind, holds the
// migration lock of the sixth so that the run waits there, and sends
// SIGTERM. The run is not a failure: five schemas are migrated, the sixth
// rolled back, the other six untouched, the message says to run it again,
// the exit status is 130; and running it again completes.
func TestMigrateInterruptedBySIGTERMSaysRunItAgain(t *testing.T) {
	url := setupCLI(t)
	mustRun(t, "migrate")
	pool := tenanttest.Pool(t, url)
	var names []string
	for i := 1; i <= 12; i++ {
		names = append(names, fmt.Sprintf("s%02d", i))
	}
	makeOldSchemas(t, pool, names)
	t.Setenv("TENANTRY_STATIC_SCHEMAS", "main,"+strings.Join(names, ","))
	ctx := context.Background()
	holder, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", migrate.LockNamespace, "s06"); err != nil {
		t.Fatal(err)
	}

	const app = "interrupted_migrate"
	p := startCLI(t, []string{"DATABASE_URL=" + withAppName(url, app)}, "migrate", "-ss", "--parallel", "1")
	waitUntil(t, "migrate to wait for the lock of s06", func() bool {
		var waiting bool
		err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_stat_activity a USING (pid)
			WHERE l.locktype = 'advisory' AND NOT l.granted AND a.application_name = $1)`, app).Scan(&waiting)
		return err == nil && waiting
	})
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code := p.wait(t)
	out, errOut := p.out.String(), p.errOut.String()
	wantErr := "tenantry: migrate interrupted: 6 of 13 schemas done; 1 rolled back and 6 not reached are unchanged; run it again to resume\n"
	if code != ExitInterrupted || errOut != wantErr {
		t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, ExitInterrupted, wantErr)
	}
	for _, want := range []string{"INTERRUPTED  s06: rolled back, left as it was", fmt.Sprintf("migrated  s05: %d -> %d", oldLevel(), tenantLevel(t)), "; 1 interrupted (rolled back); 6 not reached"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAILED") || strings.Contains(out, " 1 failed") {
		t.Errorf("stdout calls the interruption a failure:\n%s", out)
	}
	for i, name := range names {
		want := tenantLevel(t)
		if i >= 5 {
			want = oldLevel()
		}
		if top, rows, _ := schemaVersions(t, pool, name); top != want || rows != want {
			t.Errorf("%s: ledger at %d with %d rows, want %d", name, top, rows, want)
		}
	}
	var errorsRecorded int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM public.tenantry_schema_state WHERE last_error IS NOT NULL").Scan(&errorsRecorded); err != nil || errorsRecorded != 0 {
		t.Errorf("the interruption recorded %d failures in the fleet summary (%v)", errorsRecorded, err)
	}

	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "migrate", "-ss"); !strings.Contains(out, "13 schemas in") || !strings.Contains(out, "7 migrated, 6 up to date, 0 failed") {
		t.Errorf("the second run said %q", out)
	}
}
