package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/tenantry/tenantry/examples/items"
	"os"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenanttest"
)

// TestMain doubles as the tenantry command when TENANTRY_TEST_RUN_MAIN is
// set, so tests can run it as a real process and signal it.
func TestMain(m *testing.M) {
	if os.Getenv("TENANTRY_TEST_RUN_MAIN") == "1" {
		os.Exit(Main(items.App(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	tenanttest.Main(m)
}

// run invokes the command as a user would, with DATABASE_URL and
// TENANTRY_DIR from the test's environment, and returns the exit status and
// both outputs.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(items.App(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// setupCLI points the command at a fresh database.
func setupCLI(t *testing.T) string {
	t.Helper()
	url := tenanttest.NewDatabase(t, nil)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("TENANTRY_DIR", t.TempDir())
	t.Setenv("TENANTRY_STATIC_SCHEMAS", "main")
	return url
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != ExitOK {
		t.Fatalf("tenantry %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func TestTenantLifecycle(t *testing.T) {
	setupCLI(t)
	mustRun(t, "migrate")
	out := mustRun(t, "tenant", "create", "--schema", "acme", "--name", "Acme", "--domain", "ACME.example.com",
		"--admin-username", "ana", "--admin-email", "ana@acme.com", "--admin-password", "a long password")
	if !strings.Contains(out, "schema tenant_acme") || !strings.Contains(out, "acme.example.com") {
		t.Errorf("create said %q", out)
	}
	var ts []tenantry.Tenant
	if err := json.Unmarshal([]byte(mustRun(t, "tenant", "list", "--json")), &ts); err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Slug != "acme" || ts[0].Status != tenantry.StatusActive {
		t.Fatalf("list: %+v", ts)
	}
	for _, ref := range []string{"acme", "tenant_acme", "acme.example.com"} {
		if out := mustRun(t, "tenant", "suspend", ref); !strings.Contains(out, "acme is suspended") {
			t.Errorf("suspend %s said %q", ref, out)
		}
		if out := mustRun(t, "tenant", "activate", ref); !strings.Contains(out, "acme is active") {
			t.Errorf("activate %s said %q", ref, out)
		}
	}
	mustRun(t, "tenant", "delete", "acme.example.com", "--yes")
	if out := mustRun(t, "tenant", "list"); !strings.Contains(out, "0 tenants") {
		t.Errorf("after delete, list said %q", out)
	}
}

func TestFleetCommands(t *testing.T) {
	setupCLI(t)
	mustRun(t, "migrate", "--parallel", "2")
	mustRun(t, "demo")
	cases := []struct {
		args []string
		want []string // schemas listed, in order
	}{
		{[]string{"whowill"}, []string{"public", "main", "tenant_school1", "tenant_school2"}},
		{[]string{"whowill", "-as", "-x", "school1"}, []string{"public", "main", "tenant_school2"}},
		{[]string{"whowill", "-ss"}, []string{"main"}},
		{[]string{"whowill", "-ds"}, []string{"tenant_school1", "tenant_school2"}},
		{[]string{"whowill", "-ts", "-x", "main"}, []string{"tenant_school1", "tenant_school2"}},
		{[]string{"whowill", "-s", "school2.localhost", "-s", "public"}, []string{"public", "tenant_school2"}},
	}
	for _, c := range cases {
		var got []struct{ Schema string }
		if err := json.Unmarshal([]byte(mustRun(t, append(c.args, "--json")...)), &got); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range got {
			names = append(names, s.Schema)
		}
		if strings.Join(names, " ") != strings.Join(c.want, " ") {
			t.Errorf("%v chose %v, want %v", c.args, names, c.want)
		}
	}
	out := mustRun(t, "exec", "-ds", "--sql", "SELECT count(*) AS n FROM items")
	if strings.Count(out, "\n3\n") != 2 {
		t.Errorf("exec output %q, want a count of 3 items for each tenant", out)
	}
	if out := mustRun(t, "migrate", "--dry-run"); !strings.Contains(out, "nothing to apply: 4 schemas up to date, 0 failed") {
		t.Errorf("migrate --dry-run on a current database said %q", out)
	}
}

func TestExecReportsAFailingSchemaAndGoesOn(t *testing.T) {
	setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "demo")
	code, out, errOut := run(t, "exec", "-ds", "--sql",
		"DO $$ BEGIN IF current_schema() = 'tenant_school1' THEN RAISE EXCEPTION 'school1 says no'; END IF; END $$")
	if code != ExitFailure || !strings.Contains(out, "FAILED  tenant_school1") || !strings.Contains(out, "school1 says no") ||
		!strings.Contains(out, "ran in 1 of 2 schemas") || !strings.Contains(out, "1 failed (rolled back)") ||
		!strings.Contains(errOut, "failed in 1 of 2 schemas") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

// TestMisuseGetsAClearMessage runs the command wrongly in every way we know
// and checks each gets exit status 2, a one-line message naming the
// problem, no stack trace, and leaves no tenant behind.
func TestMisuseGetsAClearMessage(t *testing.T) {
	url := setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "tenant", "create", "--slug", "taken", "--name", "Taken", "--domain", "taken.example.com")
	create := func(slug, domain string, more ...string) []string {
		return append([]string{"tenant", "create", "--slug", slug, "--name", "X", "--domain", domain}, more...)
	}
	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"migrate", "--frob"}, "unknown flag: --frob"},
		{"missing flags", []string{"tenant", "create"}, "missing --slug, --name, --domain"},
		{"sql injection slug", create("acme; drop schema public", "a.example.com"), `invalid slug "acme; drop schema public"`},
		{"quoted slug", create(`a"b`, "a.example.com"), "invalid slug"},
		{"quote in slug", create("a'b", "a.example.com"), "invalid slug"},
		{"unicode slug", create("café", "a.example.com"), "invalid slug"},
		{"upper-case slug", create("Acme", "a.example.com"), "invalid slug"},
		{"long slug", create(strings.Repeat("a", 64), "a.example.com"), "longer than 56 bytes"},
		{"public", create("public", "a.example.com"), "reserved"},
		{"pg_toast", create("pg_toast", "a.example.com"), "reserved"},
		{"information_schema", create("information_schema", "a.example.com"), "reserved"},
		{"main", create("main", "a.example.com"), "reserved"},
		{"spare name", create("_tenantry_spare_1", "a.example.com"), "reserved"},
		{"taken slug", create("taken", "other.example.com"), "tenant already exists"},
		{"taken domain", create("other", "taken.example.com"), "domain already in use"},
		{"domain with port", create("other", "other.example.com:80"), "invalid domain"},
		{"ip domain", create("other", "127.0.0.1"), "invalid domain"},
		{"dotted-dot domain", create("other", "a..example.com"), "invalid domain"},
		{"unicode domain", create("other", "café.example.com"), "punycode"},
		{"long domain", create("other", strings.Repeat("a.", 130)+"com"), "invalid domain"},
		{"bad currency", create("other", "o.example.com", "--currency", "EURO"), "invalid currency"},
		{"bad timezone", create("other", "o.example.com", "--timezone", "Mars/Olympus"), "invalid timezone"},
		{"admin without email", create("other", "o.example.com", "--admin-username", "ana"), "--admin-username and --admin-email go together"},
		{"weak password", create("other", "o.example.com", "--admin-username", "ana", "--admin-email", "ana@o.com", "--admin-password", "short"), "at least 8 characters"},
		{"no password, no terminal", create("other", "o.example.com", "--admin-username", "ana", "--admin-email", "ana@o.com"), "--admin-password is required"},
		{"bad admin email", create("other", "o.example.com", "--admin-username", "ana", "--admin-email", "not-an-email", "--admin-password", "long enough"), "invalid email"},
		{"delete without yes", []string{"tenant", "delete", "taken"}, "without --yes"},
		{"delete unknown", []string{"tenant", "delete", "nosuch", "--yes"}, "tenant not found"},
		{"suspend unknown", []string{"tenant", "suspend", "nosuch"}, "tenant not found"},
		{"suspend no argument", []string{"tenant", "suspend"}, "accepts 1 arg(s), received 0"},
		{"exec without selector", []string{"exec", "--sql", "SELECT 1"}, "choose the schemas"},
		{"exec without sql", []string{"exec", "-ds"}, "--sql or --file is required"},
		{"unknown schema", []string{"migrate", "-s", "nosuch"}, `"nosuch": no schema, tenant slug or domain has that name`},
		{"parallel zero", []string{"migrate", "--parallel", "0"}, "--parallel must be between 1 and 256"},
		{"parallel not a number", []string{"migrate", "--parallel", "many"}, `invalid argument "many"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := run(t, c.args...)
			if code != ExitUsage || !strings.Contains(errOut, c.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and a message containing %q", code, errOut, ExitUsage, c.msg)
			}
			if strings.Contains(errOut, "goroutine") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("stderr is not one line: %q", errOut)
			}
		})
	}
	assertOnlyTenant(t, url, "taken")
}

func TestBadStaticSchemasAreRefused(t *testing.T) {
	setupCLI(t)
	for _, v := range []string{"public", "tenant_acme", "Main", "a;b", "_tenantry_spare_1"} {
		t.Setenv("TENANTRY_STATIC_SCHEMAS", v)
		if code, _, errOut := run(t, "whowill"); code != ExitUsage || !strings.Contains(errOut, "TENANTRY_STATIC_SCHEMAS") {
			t.Errorf("static schema %q: exit %d, stderr %q", v, code, errOut)
		}
	}
}

func TestNoDatabaseIsExplained(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("TENANTRY_DIR", t.TempDir())
	for _, args := range [][]string{{"tenant", "list"}, {"migrate"}, {"serve"}} {
		code, _, errOut := run(t, args...)
		if code != ExitUsage || !strings.Contains(errOut, "DATABASE_URL") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// assertOnlyTenant checks that the database holds exactly one tenant, slug,
// and no schema or role of any other.
func assertOnlyTenant(t *testing.T, url, slug string) {
	t.Helper()
	pool := tenanttest.Pool(t, url)
	var tenants, schemas, roles int
	err := pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM public.tenants),
		(SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenant\_%'),
		(SELECT count(*) FROM pg_roles WHERE rolname IN (SELECT role_name FROM public.tenants)
			OR rolname LIKE 'tenantry\_' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '\_%')`).
		Scan(&tenants, &schemas, &roles)
	if err != nil {
		t.Fatal(err)
	}
	if tenants != 1 || schemas != 1 || roles != 1 {
		t.Errorf("database holds %d tenants, %d tenant schemas and %d tenant roles; want only %s", tenants, schemas, roles, slug)
	}
}
