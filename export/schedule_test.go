package export_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tenantry/tenantry/export"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/mail"
)

// Scheduled exports write an archive of every tenant (suspended ones too,
// not those being deleted), keep the newest Keep of each, and clear what
// died exports left.
func TestScheduledExportsWriteAndPrune(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, nil)
	ctx := context.Background()
	e.tenantWithData(t, "alpha")
	b, gone := e.CreateTenant(t, "beta"), e.CreateTenant(t, "gone")
	if _, err := e.Pool.Exec(ctx, `UPDATE public.tenants SET status = 'suspended' WHERE id = $1;`, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Pool.Exec(ctx, `UPDATE public.tenants SET status = 'deleting' WHERE id = $1;`, gone.ID); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(e.dir, "exports")
	old := []string{"alpha-20200101T000000Z.tar.gz", "alpha-20210101T000000Z.tar.gz", "alpha-20220101T000000Z.tar.gz",
		".alpha-20220101T000000Z.tar.gz.part-123"}
	if err := os.MkdirAll(filepath.Join(dir, "alpha"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range old {
		p := filepath.Join(dir, "alpha", name)
		if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, time.Now().Add(-48*time.Hour), time.Now().Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	regs, periodic, err := e.exporter.Scheduled(export.Schedule{Dir: dir, Every: time.Hour, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	sender, err := mail.New(mail.Config{OutboxDir: filepath.Join(e.dir, "outbox")})
	if err != nil {
		t.Fatal(err)
	}
	j, err := jobs.New(jobs.Config{Pool: e.Pool, DB: e.DB, Mailer: sender, AppWorkers: regs, Periodic: periodic})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		_ = j.Stop(sctx)
	})
	waitFor(t, "archives of alpha and beta", func() bool {
		return len(names(t, dir, "alpha")) == 2 && len(names(t, dir, "beta")) == 1 && !slices.Contains(names(t, dir, "alpha"), old[1])
	})
	got := names(t, dir, "alpha")
	if got[0] != old[2] || got[1] == old[2] {
		t.Errorf("alpha keeps %v, want its new archive and %s", got, old[2])
	}
	if _, err := os.Stat(filepath.Join(dir, "gone")); !os.IsNotExist(err) {
		t.Errorf("a tenant being deleted was exported: %v", err)
	}
	imported := e.importAs(t, filepath.Join(dir, "alpha", got[1]), "restored", false)
	if rows := rowsOf(t, e, imported.Tenant, "products"); len(rows) != 4 {
		t.Errorf("the scheduled archive of alpha restores %d products, want 4", len(rows))
	}
}

// names lists the files in dir/slug, sorted.
func names(t *testing.T, dir, slug string) []string {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(dir, slug))
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// waitLimit bounds how long a test waits for jobs to run.
const waitLimit = 90 * time.Second

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %v", what, waitLimit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
