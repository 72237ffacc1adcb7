package tenantdb_test

import (
	"context"
	"fmt"
	"log"

	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// All of a tenant's work runs in one transaction bound to it: its schema
// first on the search_path, its role (a NOLOGIN role of its own), and tenantry.tenant_id, all
// transaction-local, so the connection goes back to the pool clean.
func ExampleDB_InTenant() {
	env, done := tenanttest.NewExample(nil)
	defer done()
	ctx := context.Background()
	acme, err := env.NewTenant(ctx, "acme")
	if err != nil {
		log.Fatal(err)
	}

	db := tenantdb.New(env.Pool, nil)
	err = db.InTenant(ctx, acme, func(tx *tenantdb.Tx) error {
		var path, role, id string
		var users int
		err := tx.QueryRow(ctx, `SELECT current_setting('search_path'), current_user,
			current_setting('tenantry.tenant_id'), (SELECT count(*) FROM users)`).Scan(&path, &role, &id, &users)
		fmt.Println(path, "|", role == acme.RoleName, "|", id == fmt.Sprint(acme.ID), "|", users, "user")
		return err
	})
	if err != nil {
		log.Fatal(err)
	}

	var path string
	if err := env.Pool.QueryRow(ctx, "SELECT current_setting('search_path')").Scan(&path); err != nil {
		log.Fatal(err)
	}
	fmt.Println("afterwards:", path)
	// Output:
	// "tenant_acme", public | true | true | 1 user
	// afterwards: "$user", public
}
