package items

import (
	"context"
	"fmt"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenantdb"
)

var demoItems = []struct{ name, description string }{
	{"Welcome to %s", "Every row here lives in this tenant's own schema."},
	{"Timetable for the autumn term", "Mondays: mathematics; Tuesdays: languages."},
	{"Parents' evening", "Thursday at 18:00 in the main hall."},
}

// Demo fills a demo tenant with a few items made by its first user.
func Demo(ctx context.Context, tx *tenantdb.Tx, t *tenantry.Tenant) error {
	for i, it := range demoItems {
		name := it.name
		if i == 0 {
			name = fmt.Sprintf(name, t.Name)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO items (name, description, created_by)
			VALUES ($1, $2, (SELECT min(id) FROM users))`, name, it.description); err != nil {
			return fmt.Errorf("add demo items: %w", err)
		}
	}
	return nil
}
