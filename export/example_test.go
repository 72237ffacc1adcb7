package export_test

import (
	"context"
	"fmt"
	"log"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/export"
	"github.com/tenantry/tenantry/provision"
)

// Copy a tenant: export it to an archive, then import the archive as a new
// tenant with a domain of its own.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres:///app")
	if err != nil {
		log.Fatal(err)
	}
	e := export.New(pool, &export.Config{Provisioner: provision.New(pool, nil)})
	m, err := e.WriteFile(ctx, "acme", "acme.tar.gz")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("exported", m.Tenant.Slug, "at level", m.Level, "digest", m.Digest)
	got, err := e.ImportFile(ctx, "acme.tar.gz", export.ImportRequest{Slug: "acme_staging", Domain: "staging.acme.example.com"})
	if err != nil {
		log.Fatal(err) // errors.Is(err, export.ErrCorrupt), export.ErrNewer, tenantry.ErrTenantExists, ...
	}
	fmt.Println("imported as", got.Tenant.SchemaName)
}
