// Package migrations holds Tenantry's own migration sets: the shared set
// for the public schema (the tenant registry and the fleet summary) and the
// tenant set for every tenant schema (the reference application's users and
// items). Applications extend the tenant set with Set.With.
package migrations

import (
	"embed"
	"io/fs"
	"sync"

	"github.com/tenantry/tenantry/migrate"
)

//go:embed shared/*.sql tenant/*.sql
var files embed.FS

var (
	shared = sync.OnceValue(func() *migrate.Set { return mustLoad("shared") })
	tenant = sync.OnceValue(func() *migrate.Set { return mustLoad("tenant") })
)

// Shared returns the migrations of the public schema.
func Shared() *migrate.Set { return shared() }

// Tenant returns the migrations of every tenant schema.
func Tenant() *migrate.Set { return tenant() }

// mustLoad panics only if the embedded files are malformed, which the
// package's tests rule out before any release.
func mustLoad(dir string) *migrate.Set {
	sub, err := fs.Sub(files, dir)
	if err != nil {
		panic(err)
	}
	set, err := migrate.Load(dir, sub)
	if err != nil {
		panic(err)
	}
	return set
}
