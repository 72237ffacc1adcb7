package cli

import (
	"bytes"
	"context"
	"fmt"
	"github.com/tenantry/tenantry/examples/items"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/migrations"
	"github.com/tenantry/tenantry/tenanttest"
)

// runIn is run with stdin as the command's standard input.
func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(items.App(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestSummariesSayWhatWasDone: a dry run says what it would do, exec says
// where its SQL ran (not what it "changed"), and one of anything is
// singular.
func TestSummariesSayWhatWasDone(t *testing.T) {
	url := setupCLI(t) // public migrated, the static schema main not yet
	dry := mustRun(t, "migrate", "--dry-run")
	want := fmt.Sprintf("migrate --dry-run: would apply %d migrations to 1 schema; 1 up to date, 0 failed; nothing was changed",
		tenantLevel(t))
	if !strings.Contains(dry, want) {
		t.Errorf("dry run said %q, want %q", dry, want)
	}
	var made bool
	if err := tenanttest.Pool(t, url).QueryRow(context.Background(),
		"SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'main')").Scan(&made); err != nil || made {
		t.Errorf("the dry run made schema main (%v)", err)
	}
	mustRun(t, "migrate")
	mustRun(t, "tenant", "create", "--slug", "acme", "--name", "Acme", "--domain", "acme.example.com")
	mustRun(t, "operator", "create", "--username", "root", "--email", "root@platform.example", "--password", "a long password")
	cases := []struct {
		args     []string
		say      string
		mustNot  []string
		describe string
	}{
		{[]string{"exec", "-s", "acme", "--sql", "SELECT 1"}, "exec: ran in 1 schema in ", []string{"changed", "1 schemas"}, "exec"},
		{[]string{"exec", "-s", "acme", "--sql", "SELECT 1", "--dry-run"}, "exec --dry-run: would run in 1 schema; nothing ran",
			[]string{"changed", "== tenant_acme"}, "exec --dry-run"},
		{[]string{"migrate", "-s", "acme", "--dry-run"}, "migrate --dry-run: nothing to apply: 1 schema up to date, 0 failed",
			[]string{"changed", "1 schemas"}, "migrate --dry-run when current"},
		{[]string{"migrate", "-s", "acme"}, "migrate: 1 schema in ", []string{"changed", "1 schemas"}, "migrate"},
		{[]string{"whowill", "-s", "acme"}, "\n1 schema\n", nil, "whowill"},
		{[]string{"tenant", "list"}, "\n1 tenant\n", nil, "tenant list"},
		{[]string{"operator", "list"}, "\n1 operator\n", nil, "operator list"},
	}
	for _, c := range cases {
		out := mustRun(t, c.args...)
		if !strings.Contains(out, c.say) {
			t.Errorf("%s said %q, want %q", c.describe, out, c.say)
		}
		for _, no := range c.mustNot {
			if strings.Contains(out, no) {
				t.Errorf("%s said %q, which holds %q", c.describe, out, no)
			}
		}
	}
}

// TestExecFailureShowsTheSchemasVersion: the version a failed exec names is
// the schema's migration version, for public and for a tenant.
func TestExecFailureShowsTheSchemasVersion(t *testing.T) {
	setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "tenant", "create", "--slug", "acme", "--name", "Acme", "--domain", "acme.example.com")
	code, out, errOut := run(t, "exec", "-s", "public", "-s", "acme", "--sql", "SELECT 1/0")
	for _, want := range []string{
		fmt.Sprintf("FAILED  public (at version %d): ", migrations.Shared().Latest()),
		fmt.Sprintf("FAILED  tenant_acme (at version %d): ", tenantLevel(t)),
		"division by zero", "ran in 0 of 2 schemas",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout %q lacks %q", out, want)
		}
	}
	if code != ExitFailure || !strings.Contains(errOut, "exec failed in 2 of 2 schemas") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestExecReadsTheSQLFromAFileOrStandardInput covers --file, --file - and
// what is refused: both --sql and --file, a missing, unreadable or empty
// file, empty standard input.
func TestExecReadsTheSQLFromAFileOrStandardInput(t *testing.T) {
	setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "tenant", "create", "--slug", "acme", "--name", "Acme", "--domain", "acme.example.com")
	dir := t.TempDir()
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	script := file("script.sql", "INSERT INTO items (name) VALUES ('from a file');\n-- a comment\nSELECT name FROM items;\n")
	empty := file("empty.sql", " \n\t\n")
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
		out   string // in stdout (exit 0) or stderr
	}{
		{"file", "", []string{"--file", script}, ExitOK, "from a file"},
		{"stdin", "SELECT 'from stdin' AS said", []string{"--file", "-"}, ExitOK, "from stdin"},
		{"both", "", []string{"--file", script, "--sql", "SELECT 1"}, ExitUsage, "--sql and --file are mutually exclusive"},
		{"neither", "", nil, ExitUsage, "--sql or --file is required"},
		{"missing file", "", []string{"--file", filepath.Join(dir, "nosuch.sql")}, ExitUsage, "nosuch.sql\": no such file"},
		{"directory", "", []string{"--file", dir}, ExitUsage, "is a directory"},
		{"empty file", "", []string{"--file", empty}, ExitUsage, "empty.sql\" is empty: no SQL to run"},
		{"empty stdin", "", []string{"--file", "-"}, ExitUsage, "standard input is empty: no SQL to run"},
		{"no file name", "", []string{"--file", ""}, ExitUsage, "--file needs a file name"},
		{"blank sql", "", []string{"--sql", "  "}, ExitUsage, "--sql is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runIn(t, c.stdin, append([]string{"exec", "-s", "acme"}, c.args...)...)
			got := out
			if c.code != ExitOK {
				got = errOut
			}
			if code != c.code || !strings.Contains(got, c.out) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, c.code, c.out)
			}
		})
	}
}
