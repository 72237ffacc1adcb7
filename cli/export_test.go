package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestTenantExportAndImport(t *testing.T) {
	setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "tenant", "create", "--slug", "acme", "--name", "Acme", "--domain", "acme.example.com",
		"--admin-username", "ana", "--admin-email", "ana@acme.com", "--admin-password", "a long password")
	file := filepath.Join(t.TempDir(), "acme.tar.gz")
	if out := mustRun(t, "tenant", "export", "acme.example.com", "--out", file); !strings.Contains(out, "tenant acme exported to "+file) {
		t.Errorf("export said %q", out)
	}
	out := mustRun(t, "tenant", "import", file, "--slug", "acme_copy")
	if !strings.Contains(out, "tenant acme_copy imported from acme: schema tenant_acme_copy, domain acme-copy.localhost") {
		t.Errorf("import said %q", out)
	}
	var ts []tenantry.Tenant
	if err := json.Unmarshal([]byte(mustRun(t, "tenant", "list", "--json")), &ts); err != nil || len(ts) != 2 {
		t.Fatalf("list: %+v, %v", ts, err)
	}
	if ts[1].Slug != "acme_copy" || ts[1].Name != "Acme" || ts[1].ID == ts[0].ID {
		t.Errorf("the copy: %+v", ts[1])
	}
}

func TestExportAndImportMisuseGetsAClearMessage(t *testing.T) {
	url := setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "tenant", "create", "--slug", "acme", "--name", "Acme", "--domain", "acme.example.com")
	mustRun(t, "tenant", "create", "--slug", "gone", "--name", "Gone", "--domain", "gone.example.com")
	dir := t.TempDir()
	file := filepath.Join(dir, "acme.tar.gz")
	mustRun(t, "tenant", "export", "acme", "--out", file)
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.tar.gz")
	if err := os.WriteFile(truncated, raw[:len(raw)-100], 0o600); err != nil {
		t.Fatal(err)
	}
	flipped := filepath.Join(dir, "flipped.tar.gz")
	raw[len(raw)/2] ^= 0x40
	if err := os.WriteFile(flipped, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := tenanttest.Pool(t, url).Exec(t.Context(), "UPDATE public.tenants SET status = 'deleting' WHERE slug = 'gone'"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"export without --out", []string{"tenant", "export", "acme"}, "missing --out"},
		{"export of nobody", []string{"tenant", "export", "nobody", "--out", filepath.Join(dir, "x")}, "tenant not found"},
		{"export of a tenant being deleted", []string{"tenant", "export", "gone", "--out", filepath.Join(dir, "x")}, "being deleted"},
		{"export into a missing directory", []string{"tenant", "export", "acme", "--out", filepath.Join(dir, "no", "x")}, "does not exist"},
		{"export onto a directory", []string{"tenant", "export", "acme", "--out", dir}, "is a directory"},
		{"import without --slug", []string{"tenant", "import", file}, "missing --slug"},
		{"import of a missing file", []string{"tenant", "import", filepath.Join(dir, "none"), "--slug", "b"}, "not a readable archive"},
		{"import under a taken slug", []string{"tenant", "import", file, "--slug", "acme"}, "already exists"},
		{"import with a taken domain", []string{"tenant", "import", file, "--slug", "b", "--domain", "acme.example.com"}, "domain already in use"},
		{"import keeping the original's domains", []string{"tenant", "import", file, "--slug", "b", "--keep-domains"}, "domain already in use"},
		{"import with a bad slug", []string{"tenant", "import", file, "--slug", "Bad-Slug"}, "invalid slug"},
		{"import of a truncated archive", []string{"tenant", "import", truncated, "--slug", "b"}, "damaged or altered"},
		{"import of an altered archive", []string{"tenant", "import", flipped, "--slug", "b"}, "damaged or altered"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := run(t, c.args...)
			if code != ExitUsage || !strings.Contains(errOut, c.msg) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("exit %d, stderr %q; want %d and one line with %q", code, errOut, ExitUsage, c.msg)
			}
		})
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("files left behind: %v", left)
	}
	var ts []tenantry.Tenant
	if err := json.Unmarshal([]byte(mustRun(t, "tenant", "list", "--json")), &ts); err != nil || len(ts) != 2 {
		t.Errorf("the refused imports left tenants: %+v, %v", ts, err)
	}
}
