package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/limits"
)

func TestPlanCommands(t *testing.T) {
	setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "tenant", "create", "--slug", "acme", "--name", "Acme", "--domain", "acme.example.com")
	out := mustRun(t, "plan", "set", "pro", "--rate", "10/s", "--burst", "20", "--statement-timeout", "2s", "--max-users", "5",
		"--features", "exports,sso", "--quota", "items=1000")
	if want := "plan pro: rate 10/s burst 20, statement_timeout 2s, 5 users, items 1000, features exports,sso"; !strings.Contains(out, want) {
		t.Errorf("set said %q, want %q", out, want)
	}
	out = mustRun(t, "plan", "set", "pro", "--max-users", "none", "--max-transactions", "3")
	if !strings.Contains(out, "rate 10/s burst 20, 3 transactions, statement_timeout 2s, items 1000") || strings.Contains(out, "users") {
		t.Errorf("a second set must change only what it names: %q", out)
	}
	if out := mustRun(t, "tenant", "plan", "acme.example.com", "pro"); !strings.Contains(out, "tenant acme is on plan pro") {
		t.Errorf("tenant plan said %q", out)
	}
	if out := mustRun(t, "tenant", "features", "acme", "sso=off", "beta=on"); !strings.Contains(out, `{"sso": false, "beta": true}`) {
		t.Errorf("tenant features said %q", out)
	}
	if out := mustRun(t, "tenant", "features", "acme", "sso=default"); !strings.Contains(out, `{"beta": true}`) {
		t.Errorf("tenant features said %q", out)
	}
	var views []limits.PlanView
	if err := json.Unmarshal([]byte(mustRun(t, "plan", "list", "--json")), &views); err != nil {
		t.Fatal(err)
	}
	if len(views) != 2 || views[1].Name != "pro" || views[1].Rate != "10/s" || views[1].Tenants != 1 || views[0].Name != "free" {
		t.Errorf("list --json: %+v", views)
	}
	if out := mustRun(t, "plan", "list"); !strings.Contains(out, "free (default)") || !strings.Contains(out, "2 plans") {
		t.Errorf("list said %q", out)
	}
	code, _, errOut := run(t, "plan", "delete", "pro")
	if code != ExitUsage || !strings.Contains(errOut, `plan "pro" is in use by 1 tenant(s)`) {
		t.Errorf("delete in use: exit %d, %q", code, errOut)
	}
	if out := mustRun(t, "plan", "delete", "pro", "--move-to", "free"); !strings.Contains(out, "1 tenant moved to plan free") {
		t.Errorf("delete --move-to said %q", out)
	}
	if out := mustRun(t, "top"); !strings.Contains(out, "shared_preload_libraries") {
		t.Errorf("top without pg_stat_statements said %q", out)
	}
}

func TestPlanBadInput(t *testing.T) {
	setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "tenant", "create", "--slug", "acme", "--name", "Acme", "--domain", "acme.example.com")
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"plan", "set", "p", "--rate", "0/s"}, `invalid rate "0/s": must be more than zero`},
		{[]string{"plan", "set", "p", "--rate", "-1/s"}, "must be more than zero"},
		{[]string{"plan", "set", "p", "--rate", "10/fortnight"}, "the unit must be /s, /m or /h"},
		{[]string{"plan", "set", "p", "--rate", "10/s", "--burst", "0"}, `invalid burst "0"`},
		{[]string{"plan", "set", "p", "--burst", "5"}, "needs a rate"},
		{[]string{"plan", "set", "p", "--max-users", "0"}, `invalid max_users "0"`},
		{[]string{"plan", "set", "p", "--max-users", "-3"}, `invalid max_users "-3"`},
		{[]string{"plan", "set", "p", "--max-users", "lots"}, "must be a whole number"},
		{[]string{"plan", "set", "p", "--statement-timeout", "2 parsecs"}, "must be a duration"},
		{[]string{"plan", "set", "p", "--statement-timeout", "0s"}, "must be more than zero"},
		{[]string{"plan", "set", "p", "--quota", "items"}, "write NAME=N"},
		{[]string{"plan", "set", "Bad Name"}, "invalid plan"},
		{[]string{"plan", "delete", "free"}, "the default plan cannot be deleted"},
		{[]string{"plan", "delete", "nope"}, "plan not found"},
		{[]string{"tenant", "plan", "acme", "nope"}, "no plan has this name"},
		{[]string{"tenant", "plan", "nobody", "free"}, "tenant not found"},
		{[]string{"top", "--tenants", "-1"}, "must not be negative"},
		{[]string{"tenant", "features", "acme", "sso"}, "write NAME=on"},
		{[]string{"tenant", "features", "acme", "sso=maybe"}, "must be on, off or default"},
		{[]string{"tenant", "features", "acme", "Bad=on"}, "invalid features"},
	}
	for _, c := range cases {
		code, _, errOut := run(t, c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: exit %d, %q; want exit 2 saying %q", c.args, code, errOut, c.msg)
		}
	}
	if out := mustRun(t, "plan", "list"); strings.Contains(out, "p ") || !strings.Contains(out, "1 plan") {
		t.Errorf("refused plans were stored: %q", out)
	}
}
