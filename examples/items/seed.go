package items

import (
	"context"
	"fmt"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenantdb"
)

// WelcomeItemName is the name of the item SeedWelcomeItem adds.
const WelcomeItemName = "Welcome to your workspace"

// SeedWelcomeItem is the application's seed hook (a jobs.SeedFunc): a new tenant starts with one item that says what the
// API offers. It adds nothing when the tenant already has the item, so it
// may run more than once.
func SeedWelcomeItem(ctx context.Context, tx *tenantdb.Tx, t *tenantry.Tenant) error {
	_, err := tx.Exec(ctx, `INSERT INTO items (name, description)
		SELECT $1::text, $2::text WHERE NOT EXISTS (SELECT FROM items WHERE name = $1)`,
		WelcomeItemName, "This is "+t.Name+"'s first item. List, add and change items at /api/items/; "+
			"owners and admins manage users at /api/users/ and join requests at /api/join-requests/.")
	if err != nil {
		return fmt.Errorf("add the welcome item: %w", err)
	}
	return nil
}
