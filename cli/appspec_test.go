package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	appspec "github.com/tenantry/tenantry/app"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenanttest"
)

// runApp is run for another application than the reference one.
func runApp(t *testing.T, spec *appspec.App, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(spec, args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// hasTable reports whether schema holds table.
func hasTable(t *testing.T, url, schema, table string) bool {
	t.Helper()
	pool := tenanttest.Pool(t, url)
	var ok bool
	if err := pool.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL",
		pgx.Identifier{schema, table}.Sanitize()).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMigrationsDirectoryAddsAnOperatorsSQL(t *testing.T) {
	url := setupCLI(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"shared/0001_local_settings.sql": "CREATE TABLE public.local_settings (key text PRIMARY KEY, value text);",
		"tenant/0001_notes.sql":          "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);",
		"tenant/0002_note_tags.sql":      "ALTER TABLE notes ADD COLUMN tags text[] NOT NULL DEFAULT '{}';",
	})
	t.Setenv("TENANTRY_MIGRATIONS", dir)
	mustRun(t, "migrate")
	mustRun(t, "tenant", "create", "--slug", "acme", "--name", "Acme", "--domain", "acme.example.com")
	for _, want := range []struct{ schema, table string }{{"public", "local_settings"}, {"main", "notes"},
		{"main", "items"}, {"tenant_acme", "notes"}, {"tenant_acme", "items"}, {"tenant_acme", "users"}} {
		if !hasTable(t, url, want.schema, want.table) {
			t.Errorf("%s.%s is missing", want.schema, want.table)
		}
	}
	if out := mustRun(t, "migrate"); !strings.Contains(out, "up to date") && !strings.Contains(out, "0 ") {
		t.Logf("second migrate said %q", out)
	}
	// A new file in the directory reaches every schema on the next migrate.
	writeFiles(t, dir, map[string]string{"tenant/0003_note_index.sql": "CREATE INDEX notes_tags_idx ON notes USING gin (tags);"})
	mustRun(t, "migrate")
	pool := tenanttest.Pool(t, url)
	var n int
	if err := pool.QueryRow(context.Background(),
		"SELECT count(*) FROM tenant_acme.tenantry_migrations WHERE line = 'local'").Scan(&n); err != nil || n != 3 {
		t.Errorf("tenant_acme's ledger has %d local migrations (%v), want 3", n, err)
	}
}

func TestMalformedMigrationsDirectoryIsAUsageErrorNamingTheFile(t *testing.T) {
	setupCLI(t)
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"gap", map[string]string{"tenant/0001_a.sql": "SELECT 1;", "tenant/0003_c.sql": "SELECT 1;"}, "0003_c follows 0001_a"},
		{"duplicate number", map[string]string{"tenant/0001_a.sql": "SELECT 1;", "tenant/0001_b.sql": "SELECT 1;"}, "share version 1"},
		{"not SQL", map[string]string{"tenant/0001_a.sql": "SELECT 1;", "tenant/notes.txt": "hello"}, `"notes.txt" is not a migration`},
		{"bad name", map[string]string{"tenant/1-first.sql": "SELECT 1;"}, "1-first.sql"},
		{"Tenantry's own table", map[string]string{"tenant/0001_users.sql": "CREATE TABLE users (id int);"}, `"users", which is Tenantry's own`},
		{"not a directory", nil, "not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			if tc.files == nil {
				dir = filepath.Join(dir, "missing")
			}
			t.Setenv("TENANTRY_MIGRATIONS", dir)
			code, out, errOut := run(t, "migrate")
			if code != ExitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("migrate: exit %d, stderr %q (stdout %q), want 2 and %q", code, errOut, out, tc.want)
			}
		})
	}
}

// countApp is an application with its own table, role and per-schema
// command.
func countApp() *appspec.App {
	return &appspec.App{
		Name: "counter",
		TenantMigrations: fstest.MapFS{
			"0001_counters.sql": {Data: []byte("CREATE TABLE counters (n int NOT NULL); INSERT INTO counters VALUES (0);")},
		},
		Roles: auth.Policy{"auditor": {auth.DataRead, auth.ProfileRead}},
		Commands: []appspec.Command{{
			Name: "bump", Usage: "BY", Short: "add BY to the schema's counter and print it",
			Schema: func(ctx context.Context, s *appspec.Scope, args []string) error {
				var n int
				if err := s.Tx.QueryRow(ctx, "UPDATE counters SET n = n + $1::int RETURNING n", args[0]).Scan(&n); err != nil {
					return err
				}
				tenant := "(static)"
				if s.Tenant != nil {
					tenant = s.Tenant.Slug
				}
				fmt.Fprintf(s.Env.Stdout, "counter of %s %s = %d\n", s.Schema.Name, tenant, n)
				return nil
			},
		}},
	}
}

func TestApplicationBinaryMigratesItsTablesAndRunsItsCommandsPerSchema(t *testing.T) {
	url := setupCLI(t)
	spec := countApp()
	for _, args := range [][]string{{"migrate"},
		{"tenant", "create", "--slug", "acme", "--name", "Acme", "--domain", "acme.example.com"},
		{"tenant", "create", "--slug", "zeta", "--name", "Zeta", "--domain", "zeta.example.com"}} {
		if code, out, errOut := runApp(t, spec, args...); code != ExitOK {
			t.Fatalf("counter %v: exit %d %s %s", args, code, out, errOut)
		}
	}
	if hasTable(t, url, "tenant_acme", "items") || !hasTable(t, url, "tenant_acme", "counters") {
		t.Error("the application's tenant has the reference app's items, or lacks its own counters")
	}
	code, out, errOut := runApp(t, spec, "run", "-ds", "-x", "zeta", "bump", "5")
	if code != ExitOK || !strings.Contains(out, "counter of tenant_acme acme = 5") || strings.Contains(out, "zeta") {
		t.Errorf("run -ds -x zeta bump 5: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runApp(t, spec, "run", "-ss", "bump", "2")
	if code != ExitOK || !strings.Contains(out, "counter of main (static) = 2") {
		t.Errorf("run -ss bump 2: exit %d\n%s", code, out)
	}
	// A failing schema is reported, the others go on, the status is 1.
	code, out, _ = runApp(t, spec, "run", "-ts", "bump", "not-a-number")
	if code != ExitFailure || !strings.Contains(out, "FAILED  tenant_acme") || !strings.Contains(out, "failed in 3") {
		t.Errorf("run with a bad argument: exit %d\n%s", code, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "bump", "1"}, "run needs selectors"},
		{[]string{"run", "-ds", "nosuch"}, "nosuch is not a per-schema command"},
	} {
		if code, _, errOut := runApp(t, spec, tc.args...); code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestInvalidApplicationIsRefusedAtStartNamingTheCulprit(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*appspec.App)
		want string
	}{
		{"role clash", func(a *appspec.App) { a.Roles = auth.Policy{"admin": {auth.DataRead}} }, `role "admin" clashes`},
		{"command clash", func(a *appspec.App) { a.Commands[0].Name = "migrate" }, `command "migrate" clashes`},
		{"bad name", func(a *appspec.App) { a.Name = "My App" }, `Name "My App"`},
		{"owner role missing", func(a *appspec.App) { a.OwnerRole = "boss" }, `OwnerRole "boss" is not a declared role`},
		{"migration gap", func(a *appspec.App) {
			a.TenantMigrations = fstest.MapFS{"0002_late.sql": {Data: []byte("SELECT 1;")}}
		}, "0002_late follows nothing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setupCLI(t)
			spec := countApp()
			tc.edit(spec)
			code, _, errOut := runApp(t, spec, "migrate")
			if code != ExitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.want)
			}
		})
	}
}
