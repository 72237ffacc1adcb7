package provision_test

import (
	"context"
	"fmt"
	"log"

	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenanttest"
)

// A tenant is made in one transaction: its registry row and domain, its
// schema migrated with the tenant set, its NOLOGIN role and its first user.
func ExampleProvisioner_Create() {
	env, done := tenanttest.NewExample(nil)
	defer done()
	ctx := context.Background()

	p := provision.New(env.Pool, &provision.Config{TenantMigrations: env.Sets.Tenant})
	t, err := p.Create(ctx, provision.Request{
		Slug: "acme", Name: "Acme Corp", Domain: "acme.example.com",
		Admin: &provision.Admin{Username: "ana", Email: "ana@acme.example.com", Password: "a long secret"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(t.Slug, t.SchemaName, t.Status, t.Domains)

	_, err = p.Create(ctx, provision.Request{Slug: "acme", Name: "Acme again", Domain: "other.example.com"})
	fmt.Println(err)
	// Output:
	// acme tenant_acme active [acme.example.com]
	// tenant acme (schema tenant_acme): tenant already exists
}
