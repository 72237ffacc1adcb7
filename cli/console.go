package cli

import (
	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/console"
)

// addConsole adds the web console (/admin/ on every host) and the API's
// documentation page (/api/docs) to the server's configuration.
// TENANTRY_SECURE_COOKIES=1 marks the console's cookies Secure behind a
// proxy that ends TLS.
func (a *app) addConsole(cfg *api.Config, d *deps) error {
	con, err := console.New(&console.Config{Pool: d.pool, DB: d.db, Policy: d.policy, MemberRole: a.spec.Member(),
		Sections: a.spec.Console, Signup: cfg.Signup, Registry: d.registry, Provisioner: d.provisioner,
		TenantMigrations: d.sets.Tenant, SecureCookies: a.getenv("TENANTRY_SECURE_COOKIES") == "1", Logger: cfg.Logger})
	if err != nil {
		return err
	}
	cfg.Console = con
	cfg.Docs = console.APIDocs
	return nil
}
