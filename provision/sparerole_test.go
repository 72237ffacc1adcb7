package provision_test

import (
	"context"
	"testing"

	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// spareRoles lists the roles named with the database's spare-role prefix,
// each with whether it may use schema.
func spareRoles(t *testing.T, env *tenanttest.Env, schema string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	oid, err := tenantdb.DatabaseOID(ctx, env.Pool)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := env.Pool.Query(ctx, `SELECT rolname::text,
		EXISTS (SELECT FROM pg_namespace WHERE nspname = $2) AND has_schema_privilege(oid, $2, 'USAGE')
		FROM pg_roles WHERE starts_with(rolname, $1)`, tenantdb.SpareRolePrefix(oid), schema)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var name string
		var usage bool
		if err := rows.Scan(&name, &usage); err != nil {
			t.Fatal(err)
		}
		got[name] = usage
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// A spare is made with a role of its own, which the claim renames to the
// tenant's: no spare role is left, and the tenant's role is the one that
// holds the schema's privileges. With the role layer off, spares have no
// role.
func TestSpareRoleBecomesTheTenantsRole(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			env := tenanttest.Setup(t, withItems(mode.opts))
			s := newSpareEnv(t, env, mode, &provision.Config{Spares: 1})
			s.refill(t, 1)
			roles := spareRoles(t, env, "_tenantry_spare_1")
			var want int
			if !mode.noRoles {
				want = 1
				for name, usage := range roles {
					if !usage {
						t.Errorf("spare role %s may not use its spare's schema", name)
					}
				}
			}
			if len(roles) != want {
				t.Fatalf("spare roles after a refill: %v, want %d", roles, want)
			}
			ten := s.create(t, "warm", true)
			if roles := spareRoles(t, env, ten.SchemaName); len(roles) != 0 {
				t.Errorf("spare roles left after the claim: %v", roles)
			}
			assertWorks(t, s, ten)
			if !mode.noRoles {
				var usage bool
				err := env.Pool.QueryRow(context.Background(), "SELECT has_schema_privilege($1, $2, 'USAGE')",
					ten.RoleName, ten.SchemaName).Scan(&usage)
				if err != nil || !usage {
					t.Errorf("tenant role %s may use %s: %v, %v; want true", ten.RoleName, ten.SchemaName, usage, err)
				}
			}
		})
	}
}

// A spare schema dropped outside Tenantry leaves its role; the next spare
// of that number takes the role over, and the tenant made from it works.
func TestRefillReusesTheRoleOfADroppedSpare(t *testing.T) {
	env := tenanttest.Setup(t, withItems(nil))
	s := newSpareEnv(t, env, modes[0], &provision.Config{Spares: 1})
	s.refill(t, 1)
	if _, err := env.Pool.Exec(context.Background(), "DROP SCHEMA _tenantry_spare_1 CASCADE"); err != nil {
		t.Fatal(err)
	}
	s.refill(t, 1)
	if roles := spareRoles(t, env, "_tenantry_spare_1"); len(roles) != 1 {
		t.Fatalf("spare roles after the second refill: %v, want the one, reused", roles)
	}
	ten := s.create(t, "again", true)
	assertWorks(t, s, ten)
}

// A spare made while the role layer was on, claimed by a provisioner with
// it off: the tenant has no role, and the spare's role loses its
// privileges and is dropped, so that no role keeps access to the tenant.
func TestSpareWithARoleClaimedWithRolesOff(t *testing.T) {
	env := tenanttest.Setup(t, withItems(nil))
	on := newSpareEnv(t, env, modes[0], &provision.Config{Spares: 1})
	on.refill(t, 1)
	off := newSpareEnv(t, env, modes[2], &provision.Config{Spares: 1})
	ten := off.create(t, "noroles", true)
	if ten.RoleName != "" {
		t.Errorf("tenant made with roles off has role %q", ten.RoleName)
	}
	if roles := spareRoles(t, env, ten.SchemaName); len(roles) != 0 {
		t.Errorf("spare roles left after a claim with roles off: %v", roles)
	}
	assertWorks(t, off, ten)
}
