package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenantdb"
)

// The demo tenants' user. The password is below the strength rule on
// purpose: it is printed in the README for anyone to try.
const (
	demoUser     = "demo"
	demoPassword = "demo123"
)

var demoTenants = []struct{ slug, name string }{
	{"school1", "School One"},
	{"school2", "School Two"},
}

func (a *app) demoCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Create the demo tenants school1 and school2 (user demo / demo123)",
		Long: `Create the demo tenants school1 and school2, at school1.<base domain> and
school2.<base domain>, each with the owner demo (password demo123) and the
application's demo data. Tenants that already exist are left as they are.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			return a.createDemo(cmd.Context(), d)
		},
	}
}

// createDemo makes the demo tenants that do not exist yet.
func (a *app) createDemo(ctx context.Context, d *deps) error {
	for _, dt := range demoTenants {
		t, err := d.provisioner.Create(ctx, provision.Request{
			Slug: dt.slug, Name: dt.name, Domain: dt.slug + "." + d.settings.baseDomain,
			Admin: &provision.Admin{Username: demoUser, Email: demoUser + "@" + dt.slug + ".example.com", Password: demoPassword},
		})
		if errors.Is(err, tenantry.ErrTenantExists) {
			fmt.Fprintf(a.stdout, "demo tenant %s already exists\n", dt.slug)
			continue
		}
		if err != nil {
			return fmt.Errorf("create demo tenant %s: %w", dt.slug, err)
		}
		if a.spec.Demo != nil {
			if err := d.db.InTenant(ctx, t, func(tx *tenantdb.Tx) error { return a.spec.Demo(ctx, tx, t) }); err != nil {
				return fmt.Errorf("fill demo tenant %s: %w", t.Slug, err)
			}
		}
		fmt.Fprintf(a.stdout, "demo tenant %s created at %s (user %s / %s)\n", t.Slug, t.Domains[0], demoUser, demoPassword)
	}
	return nil
}
