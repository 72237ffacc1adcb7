package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/provision"
)

type createFlags struct {
	req                             provision.Request
	adminUser, adminEmail, adminPwd string
	json                            bool
}

func (a *app) tenantCreateCommand() *cobra.Command {
	var fl createFlags
	cmd := &cobra.Command{
		Use:   "create --slug S --name N --domain D [--admin-username U --admin-email E [--admin-password P]]",
		Short: "Create a tenant: registry row, role, schema, migrations, domain and first user in one transaction",
		Long: `Create a tenant in one transaction: its registry row, its database role, its
schema tenant_<slug> with every tenant migration, its primary domain and,
with --admin-username, its first user (role owner). A failure anywhere leaves
nothing behind. Without --admin-password the password is asked for on the
terminal.`,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.createTenant(cmd, &fl) },
	}
	f := cmd.Flags()
	f.StringVar(&fl.req.Slug, "slug", "", "lower-case [a-z][a-z0-9_]*; the schema is tenant_<slug> (required)")
	f.StringVar(&fl.req.Slug, "schema", "", "another name for --slug")
	f.StringVar(&fl.req.Name, "name", "", "the tenant's display name (required)")
	f.StringVar(&fl.req.Domain, "domain", "", "primary domain, e.g. acme.example.com (required)")
	f.StringVar(&fl.req.Locale, "locale", "", "BCP 47 locale (default en)")
	f.StringVar(&fl.req.Timezone, "timezone", "", "IANA time zone (default UTC)")
	f.StringVar(&fl.req.Currency, "currency", "", "ISO 4217 currency (default USD)")
	f.StringVar(&fl.req.Plan, "plan", "", "plan name (default free)")
	f.StringVar(&fl.adminUser, "admin-username", "", "first user's username")
	f.StringVar(&fl.adminEmail, "admin-email", "", "first user's email")
	f.StringVar(&fl.adminPwd, "admin-password", "", "first user's password (asked for when omitted)")
	f.BoolVar(&fl.json, "json", false, "print the tenant as JSON")
	return cmd
}

func (a *app) createTenant(cmd *cobra.Command, fl *createFlags) error {
	if err := fl.check(); err != nil {
		return err
	}
	if fl.adminUser != "" {
		pwd, err := a.newPassword(fl.adminPwd, "--admin-password", "Admin password: ")
		if err != nil {
			return err
		}
		fl.req.Admin = &provision.Admin{Username: fl.adminUser, Email: fl.adminEmail, Password: pwd}
	}
	d, err := a.open(cmd.Context(), 2)
	if err != nil {
		return err
	}
	defer d.pool.Close()
	t, err := d.provisioner.Create(cmd.Context(), fl.req)
	if err != nil {
		return tenantError(err)
	}
	if fl.json {
		return writeJSON(a.stdout, t)
	}
	fmt.Fprintf(a.stdout, "tenant %s created: schema %s, domain %s\n", t.Slug, t.SchemaName, strings.Join(t.Domains, " "))
	return nil
}

func (fl *createFlags) check() error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"--slug", fl.req.Slug}, {"--name", fl.req.Name}, {"--domain", fl.req.Domain},
	} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return usagef("missing %s", strings.Join(missing, ", "))
	}
	if (fl.adminUser == "") != (fl.adminEmail == "") {
		return usagef("--admin-username and --admin-email go together")
	}
	if fl.adminUser == "" && fl.adminPwd != "" {
		return usagef("--admin-password needs --admin-username and --admin-email")
	}
	return nil
}
