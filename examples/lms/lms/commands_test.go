package lms_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/cli"
	"github.com/tenantry/tenantry/examples/lms/lms"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// lmsCommand runs the lms command line against env's database and returns
// its exit status and output.
func lmsCommand(t *testing.T, env *tenanttest.Env, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("DATABASE_URL", env.URL)
	t.Setenv("TENANTRY_DIR", t.TempDir())
	var out, errOut bytes.Buffer
	code := cli.Main(lms.App(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestLoadDataAddsBorrowersToEachSelectedTenantOnce(t *testing.T) {
	env := tenanttest.Setup(t, &tenanttest.Options{App: lms.App()})
	alpha, beta := env.CreateTenant(t, "alpha"), env.CreateTenant(t, "beta")
	file := filepath.Join(t.TempDir(), "borrowers.json")
	data := `[{"name": " Ada Lovelace ", "email": "ada@example.com", "national_id": "N-1"},
		{"name": "Alan Turing", "phone": "+44 20 7946 0000"}]`
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second run finds them there
		code, out, errOut := lmsCommand(t, env, "run", "-ds", "loaddata", file)
		if code != cli.ExitOK || !strings.Contains(out, "ran in 2 schemas, failed in 0") {
			t.Fatalf("loaddata: exit %d\n%s%s", code, out, errOut)
		}
	}
	for _, tn := range []*tenantry.Tenant{alpha, beta} {
		err := env.DB.InTenant(context.Background(), tn, func(tx *tenantdb.Tx) error {
			var n int
			var names string
			err := tx.QueryRow(context.Background(), "SELECT count(*), string_agg(name, ',' ORDER BY name) FROM borrowers").Scan(&n, &names)
			if n != 2 || names != "Ada Lovelace,Alan Turing" {
				t.Errorf("%s: %d borrowers %q, want Ada Lovelace and Alan Turing once", tn.Slug, n, names)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`[{"name": "Ok"}, {"name": "  "}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := lmsCommand(t, env, "run", "-s", "alpha", "loaddata", bad)
	if code != cli.ExitFailure || !strings.Contains(out, "borrower 2: name must not be blank") {
		t.Errorf("loaddata of a bad file: exit %d\n%s", code, out)
	}
}

func TestOverdueReportListsLoansInArrears(t *testing.T) {
	env := tenanttest.Setup(t, &tenanttest.Options{App: lms.App()})
	alpha := env.CreateTenant(t, "alpha")
	env.CreateTenant(t, "beta")
	ctx := context.Background()
	err := env.DB.InTenant(ctx, alpha, func(tx *tenantdb.Tx) error { return lms.Demo(ctx, tx, alpha) })
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := lmsCommand(t, env, "migrate"); code != cli.ExitOK { // makes the static schema main
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := lmsCommand(t, env, "run", "-ds", "overdue-report")
	if code != cli.ExitOK {
		t.Fatalf("overdue-report: exit %d\n%s%s", code, out, errOut)
	}
	// the demo's 2,500.00 at 15 % over 6 months (2,687.50 due), disbursed
	// 4 months ago with 470.00 paid: 4 instalments (1,791.66) due
	for _, want := range []string{
		"tenant_alpha  loan 3  Lucía Fernández: 4 of 6 instalments due, arrears $ 1,321.66, outstanding $ 2,217.50",
		"tenant_alpha  1 loans in arrears", "tenant_beta  0 loans in arrears"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = lmsCommand(t, env, "run", "-as", "overdue-report", "--as-of", "2000-01-01")
	if code != cli.ExitOK || !strings.Contains(out, "public  skipped") || !strings.Contains(out, "main  0 loans in arrears") ||
		!strings.Contains(out, "tenant_alpha  0 loans in arrears") {
		t.Errorf("overdue-report -as before any loan: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := lmsCommand(t, env, "run", "-ds", "overdue-report", "--as-of", "someday"); code != cli.ExitFailure {
		t.Errorf("--as-of someday: exit %d %s", code, errOut)
	}
}
