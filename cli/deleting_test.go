package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenanttest"
)

// A tenant delete killed part way (SIGKILL, as a crash) leaves the tenant
// deleting, and running the command again finishes it.
func TestTenantDeleteKilledPartWayIsFinishedByRunningItAgain(t *testing.T) {
	url := setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "tenant", "create", "--schema", "acme", "--name", "Acme", "--domain", "acme.example.com")
	pool := tenanttest.Pool(t, url)
	const tables = 600
	tenanttest.AddTables(t, pool, "tenant_acme", tables)

	cmd := exec.Command(os.Args[0], "tenant", "delete", "acme", "--yes")
	cmd.Env = append(os.Environ(), "TENANTRY_TEST_RUN_MAIN=1", "DATABASE_URL="+url)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for left := tables; left == tables; {
		select {
		case err := <-exited:
			t.Fatalf("the delete ended (%v) before it could be killed part way", err)
		default:
		}
		err := pool.QueryRow(context.Background(),
			"SELECT count(*) FROM pg_tables WHERE schemaname = 'tenant_acme' AND tablename LIKE 'bulk\\_%'").Scan(&left)
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited

	var ts []tenantry.Tenant
	if err := json.Unmarshal([]byte(mustRun(t, "tenant", "list", "--json")), &ts); err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Status != tenantry.StatusDeleting {
		t.Fatalf("after the kill, list: %+v; want acme deleting", ts)
	}
	if code, _, errOut := run(t, "tenant", "suspend", "acme"); code != ExitUsage || !strings.Contains(errOut, "being deleted") {
		t.Errorf("suspend a deleting tenant: exit %d, %q", code, errOut)
	}
	if out := mustRun(t, "tenant", "delete", "acme", "--yes"); !strings.Contains(out, "tenant acme deleted") {
		t.Errorf("the second delete said %q", out)
	}
	if out := mustRun(t, "tenant", "list"); !strings.Contains(out, "0 tenants") {
		t.Errorf("after the second delete, list said %q", out)
	}
}
