package bench

import (
	"fmt"
	"strings"

	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/migrations"
)

// Versions of the synthetic application's migrations, after the reference
// tenant set's.
const (
	appVersion    = 100
	changeVersion = 101
)

// appSet returns the reference tenant set plus one migration creating the
// synthetic application's tables.
func appSet(tables int) (*migrate.Set, error) { return appSetOn(migrations.Tenant(), tables) }

// appSetOn returns base plus the migration creating the synthetic
// application's tables.
func appSetOn(base *migrate.Set, tables int) (*migrate.Set, error) {
	set, err := base.With("bench", migrate.Migration{
		Version: appVersion, Name: fmt.Sprintf("app_%d_tables", tables), SQL: appSQL(tables),
	})
	if err != nil {
		return nil, fmt.Errorf("bench: build the %d-table application: %w", tables, err)
	}
	return set, nil
}

// changedSet returns set plus changes fleet changes (see changeSQL),
// numbered from changeVersion.
func changedSet(set *migrate.Set, changes int) (*migrate.Set, error) {
	more := make([]migrate.Migration, changes)
	for i := range more {
		more[i] = migrate.Migration{Version: changeVersion + i, Name: fmt.Sprintf("change_%d", i+1), SQL: changeSQL(i + 1)}
	}
	changed, err := set.With(set.Name(), more...)
	if err != nil {
		return nil, fmt.Errorf("bench: add the fleet changes: %w", err)
	}
	return changed, nil
}

// appSQL creates tables app_t001 .. app_tNNN, each with the typed columns of
// a typical SaaS model, a foreign key to the table before it (the first
// refers to users) and an index on that key.
func appSQL(tables int) string {
	var b strings.Builder
	for i := 1; i <= tables; i++ {
		parent := "users"
		if i > 1 {
			parent = tableName(i - 1)
		}
		fmt.Fprintf(&b, tableSQL, tableName(i), parent)
	}
	return b.String()
}

func tableName(i int) string { return fmt.Sprintf("app_t%03d", i) }

// tableSQL is one table of the synthetic application: %[1]s its name,
// %[2]s the table its foreign key refers to.
const tableSQL = `CREATE TABLE %[1]s (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id   bigint REFERENCES %[2]s (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (char_length(name) <= 200),
    quantity    integer NOT NULL DEFAULT 0,
    amount      numeric(12, 2) NOT NULL DEFAULT 0,
    is_active   boolean NOT NULL DEFAULT true,
    attributes  jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX %[1]s_parent_id_idx ON %[1]s (parent_id);
`

// changeSQL is the k-th fleet change: a nullable column notes_k added to
// app_t001 (a catalog-only change) and a new table app_tags_k with a foreign
// key and an index.
func changeSQL(k int) string { return fmt.Sprintf(changeTemplate, k) }

const changeTemplate = `ALTER TABLE app_t001 ADD COLUMN notes_%[1]d text;
CREATE TABLE app_tags_%[1]d (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id     bigint NOT NULL REFERENCES app_t001 (id) ON DELETE CASCADE,
    label       text NOT NULL CHECK (char_length(label) <= 64),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX app_tags_%[1]d_item_id_idx ON app_tags_%[1]d (item_id);
`
