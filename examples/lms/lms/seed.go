package lms

import (
	"context"
	"fmt"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenantdb"
)

// ExampleBorrowerName is the name of the borrower SeedExampleBorrower adds.
const ExampleBorrowerName = "Example Borrower (delete me)"

// SeedExampleBorrower is the application's seed hook (a jobs.SeedFunc): a
// new lender starts with one example borrower, so that its first look at
// /api/borrowers/ shows the shape of the data. It adds nothing to a tenant
// that has borrowers already, so it may run more than once.
func SeedExampleBorrower(ctx context.Context, tx *tenantdb.Tx, _ *tenantry.Tenant) error {
	_, err := tx.Exec(ctx, `INSERT INTO borrowers (name, email)
		SELECT $1::text, $2::text WHERE NOT EXISTS (SELECT FROM borrowers)`, ExampleBorrowerName, "borrower@example.com")
	if err != nil {
		return fmt.Errorf("add the example borrower: %w", err)
	}
	return nil
}
