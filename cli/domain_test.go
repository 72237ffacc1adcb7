package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/domains"
	"github.com/tenantry/tenantry/tenanttest/dnstest"
)

// setupDomains is a migrated database on the base domain example.com with
// tenants acme and beta, and a DNS server the domain checks ask.
func setupDomains(t *testing.T) (*dnstest.Server, string) {
	t.Helper()
	url := setupCLI(t)
	dns := dnstest.Start(t)
	t.Setenv("TENANTRY_BASE_DOMAIN", "example.com")
	t.Setenv("TENANTRY_DNS_RESOLVER", dns.Addr)
	mustRun(t, "migrate")
	for _, slug := range []string{"acme", "beta"} {
		mustRun(t, "tenant", "create", "--slug", slug, "--name", slug, "--domain", slug+".example.com")
	}
	return dns, url
}

func listDomains(t *testing.T, tenant string) map[string]domains.Domain {
	t.Helper()
	var list []domains.Domain
	if err := json.Unmarshal([]byte(mustRun(t, "domain", "list", tenant, "--json")), &list); err != nil {
		t.Fatal(err)
	}
	out := map[string]domains.Domain{}
	for _, d := range list {
		out[d.Name] = d
	}
	return out
}

func TestDomainCommands(t *testing.T) {
	dns, _ := setupDomains(t)
	if out := mustRun(t, "domain", "add", "acme", "Shop.Acme.Example.com"); !strings.Contains(out, "shop.acme.example.com added: verified") {
		t.Errorf("add of a base subdomain said %q", out)
	}
	out := mustRun(t, "domain", "add", "acme", "acme-shop.test", "--primary")
	if !strings.Contains(out, "pending") || !strings.Contains(out, "_tenantry.acme-shop.test") || !strings.Contains(out, "becomes the primary") {
		t.Errorf("add of a custom domain said %q", out)
	}
	d := listDomains(t, "acme")["acme-shop.test"]
	if d.Status != domains.StatusPending || d.Token == "" || !d.PrimaryOnVerify {
		t.Fatalf("listed %+v, want pending with a token, primary on verify", d)
	}
	code, _, errOut := run(t, "domain", "verify", "acme", "acme-shop.test")
	if code != ExitFailure || !strings.Contains(errOut, "no TXT record _tenantry.acme-shop.test") {
		t.Errorf("verify without proof: exit %d, %q; want 1 saying what DNS found", code, errOut)
	}
	dns.SetTXT("_tenantry.acme-shop.test", d.Token)
	if out := mustRun(t, "domain", "verify", "acme", "acme-shop.test"); !strings.Contains(out, "verified (by dns)") {
		t.Errorf("verify said %q", out)
	}
	if got := listDomains(t, "acme")["acme-shop.test"]; !got.Primary {
		t.Errorf("after verification acme-shop.test is %+v, want primary", got)
	}
	mustRun(t, "domain", "primary", "acme", "acme.example.com")
	mustRun(t, "domain", "remove", "acme", "acme-shop.test")
	if _, ok := listDomains(t, "acme")["acme-shop.test"]; ok {
		t.Error("removed domain still listed")
	}
	lines := strings.Split(mustRun(t, "domain", "list", "acme"), "\n")
	if len(lines) < 2 || strings.Join(strings.Fields(lines[1]), " ") != "acme.example.com verified yes operator" {
		t.Errorf("list said %q, want the primary acme.example.com first", lines)
	}
}

func TestDomainCommandsRefuseBadInput(t *testing.T) {
	setupDomains(t)
	mustRun(t, "domain", "add", "beta", "pending.test")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"domain", "add", "acme", "192.0.2.7"}, "not an IP address"},
		{[]string{"domain", "add", "acme", "[::1]"}, "not an IP address"},
		{[]string{"domain", "add", "acme", "*.acme.test"}, "wildcard"},
		{[]string{"domain", "add", "acme", "example.com"}, "base domain"},
		{[]string{"domain", "add", "acme", "www.example.com"}, "platform's own"},
		{[]string{"domain", "add", "acme", "beta.example.com"}, "belongs to another tenant"},
		{[]string{"domain", "add", "acme", "PENDING.test."}, "belongs to another tenant"},
		{[]string{"domain", "add", "acme", "acme.example.com"}, "has it already"},
		{[]string{"domain", "add", "acme", "аcme.example.com"}, "plain ASCII"},
		{[]string{"domain", "add", "nobody", "x.test"}, "tenant not found"},
		{[]string{"domain", "add", "acme"}, "accepts 2 arg"},
		{[]string{"domain", "primary", "beta", "pending.test"}, "not verified"},
		{[]string{"domain", "primary", "acme", "pending.test"}, "no such domain"},
		{[]string{"domain", "remove", "acme", "acme.example.com"}, "primary domain cannot be removed"},
		{[]string{"domain", "verify", "acme", "nothing.test"}, "no such domain"},
		{[]string{"domain", "list", "nobody"}, "tenant not found"},
		{[]string{"domain", "frob"}, "unknown command"},
	}
	for _, c := range cases {
		code, out, errOut := run(t, c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("tenantry %s: exit %d, stdout %q, stderr %q; want 2 saying %q", strings.Join(c.args, " "), code, out, errOut, c.want)
		}
	}
	if got := listDomains(t, "acme"); len(got) != 1 {
		t.Errorf("after refused commands acme has %v, want only acme.example.com", got)
	}
}

func tenantJSON(t *testing.T, slug string) tenantry.Tenant {
	t.Helper()
	var ts []tenantry.Tenant
	if err := json.Unmarshal([]byte(mustRun(t, "tenant", "list", "--json")), &ts); err != nil {
		t.Fatal(err)
	}
	for _, x := range ts {
		if x.Slug == slug {
			return x
		}
	}
	t.Fatalf("tenant %s not listed", slug)
	return tenantry.Tenant{}
}

func TestTerminatePurgeAndMaintenanceCommands(t *testing.T) {
	_, url := setupDomains(t)
	t.Setenv("TENANTRY_PURGE_AFTER", "2d")
	if code, _, errOut := run(t, "tenant", "terminate", "acme"); code != ExitUsage || !strings.Contains(errOut, "--yes") {
		t.Errorf("terminate without --yes: exit %d, %q", code, errOut)
	}
	before := time.Now()
	if out := mustRun(t, "tenant", "terminate", "acme", "--yes"); !strings.Contains(out, "acme is terminated") {
		t.Errorf("terminate said %q", out)
	}
	acme := tenantJSON(t, "acme")
	if acme.Status != tenantry.StatusTerminated || acme.PurgeAfter == nil ||
		acme.PurgeAfter.Before(before.Add(47*time.Hour)) || acme.PurgeAfter.After(time.Now().Add(49*time.Hour)) {
		t.Fatalf("terminated acme = %+v, want a purge date 2 days on", acme)
	}
	mustRun(t, "tenant", "terminate", "beta", "--yes")
	mustRun(t, "tenant", "activate", "beta") // cancels its purge
	if beta := tenantJSON(t, "beta"); beta.PurgeAfter != nil || beta.Status != tenantry.StatusActive {
		t.Errorf("activated beta = %+v, want active without a purge date", beta)
	}
	if out := mustRun(t, "tenant", "purge", "--due"); !strings.Contains(out, "0 tenants purged") {
		t.Errorf("purge before the date said %q", out)
	}
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "UPDATE public.tenants SET purge_after = now() - interval '1 minute' WHERE slug = 'acme'"); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "tenant", "purge", "--due"); !strings.Contains(out, "tenant acme purged") || !strings.Contains(out, "1 tenant purged") {
		t.Errorf("purge after the date said %q", out)
	}
	if out := mustRun(t, "tenant", "list"); strings.Contains(out, "acme") || !strings.Contains(out, "beta") {
		t.Errorf("after the purge, list said %q", out)
	}
	mustRun(t, "tenant", "maintenance", "beta", "on")
	if !tenantJSON(t, "beta").Maintenance {
		t.Error("beta not in maintenance after maintenance on")
	}
	mustRun(t, "tenant", "maintenance", "beta.example.com", "off")
	if tenantJSON(t, "beta").Maintenance {
		t.Error("beta in maintenance after maintenance off")
	}
	mustRun(t, "migrate", "--maintenance")
	bad := [][]string{
		{"tenant", "maintenance", "beta", "sideways"},
		{"tenant", "maintenance", "nobody", "on"},
		{"tenant", "purge"},
		{"tenant", "terminate", "nobody", "--yes"},
	}
	for _, args := range bad {
		if code, _, errOut := run(t, args...); code != ExitUsage {
			t.Errorf("tenantry %s: exit %d (%q), want 2", strings.Join(args, " "), code, errOut)
		}
	}
	t.Setenv("TENANTRY_PURGE_AFTER", "soon")
	if code, _, errOut := run(t, "tenant", "terminate", "beta", "--yes"); code != ExitUsage || !strings.Contains(errOut, "TENANTRY_PURGE_AFTER") {
		t.Errorf("a malformed TENANTRY_PURGE_AFTER: exit %d, %q", code, errOut)
	}
}
