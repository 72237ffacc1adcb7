package app

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/migrations"
)

// LocalLine is the migration line of an operator's SQL directory
// (TENANTRY_MIGRATIONS), applied after Tenantry's and the application's.
const LocalLine = "local"

// Sets are the migration sets of an application's database: Shared for
// public, Tenant for every tenant, static and spare schema.
type Sets struct {
	Shared *migrate.Set
	Tenant *migrate.Set
}

// Sets joins Tenantry's own migrations, the application's and, when local
// is not nil, an operator's directory holding shared/ and tenant/ (either
// may be missing). It returns an error naming the culprit for a malformed
// file name, a gap or a duplicate number, a file that is not SQL, or a
// migration that creates or drops one of Tenantry's own objects.
func (a *App) Sets(local fs.FS) (Sets, error) {
	shared, err := a.join("shared", migrations.Shared(), a.SharedMigrations, local)
	if err != nil {
		return Sets{}, err
	}
	tenant, err := a.join("tenant", migrations.Tenant(), a.TenantMigrations, local)
	if err != nil {
		return Sets{}, err
	}
	return Sets{Shared: shared, Tenant: tenant}, nil
}

// join makes one joined set: ours, then the application's line, then the
// operator's.
func (a *App) join(kind string, ours *migrate.Set, appFS, local fs.FS) (*migrate.Set, error) {
	sets := []*migrate.Set{ours}
	if appFS != nil {
		s, err := loadLine(a.Name, a.Name+" "+kind, appFS)
		if err != nil {
			return nil, err
		}
		sets = append(sets, s)
	}
	if local != nil {
		sub, err := fs.Sub(local, kind)
		if err != nil {
			return nil, fmt.Errorf("TENANTRY_MIGRATIONS: %s: %w", kind, err)
		}
		if _, err := fs.Stat(local, kind); err == nil {
			s, err := loadLine(LocalLine, "TENANTRY_MIGRATIONS "+kind, sub)
			if err != nil {
				return nil, err
			}
			sets = append(sets, s)
		}
	}
	for _, s := range sets[1:] {
		if err := collides(s, ours, kind); err != nil {
			return nil, err
		}
	}
	return migrate.Join(kind, sets...)
}

// loadLine reads a strict migration directory (see migrate.LoadStrict) as
// line.
func loadLine(line, what string, fsys fs.FS) (*migrate.Set, error) {
	s, err := migrate.LoadStrict(what, fsys)
	if err != nil {
		return nil, err
	}
	return s.WithLine(line)
}

// creates finds the objects a migration creates or drops: CREATE TABLE x,
// CREATE UNIQUE INDEX IF NOT EXISTS x, DROP VIEW x, ...
var creates = regexp.MustCompile(`(?is)\b(?:create|drop)\s+(?:or\s+replace\s+)?(?:(?:global|local)\s+)?(?:temp(?:orary)?\s+|unlogged\s+)?` +
	`(table|view|materialized\s+view|sequence|(?:unique\s+)?index|type|function|procedure)\s+(?:concurrently\s+)?` +
	`(?:if\s+(?:not\s+)?exists\s+)?((?:"[^"]+"|[a-z_][a-z0-9_$]*)(?:\.(?:"[^"]+"|[a-z_][a-z0-9_$]*))?)`)

// objects lists the names of what set's migrations create or drop, without
// a public. qualifier, with the label of the first migration naming each.
func objects(set *migrate.Set) map[string]string {
	out := map[string]string{}
	for _, m := range set.Migrations() {
		for _, match := range creates.FindAllStringSubmatch(stripComments(m.SQL), -1) {
			name := strings.ToLower(strings.ReplaceAll(match[2], `"`, ""))
			name = strings.TrimPrefix(name, "public.")
			if _, seen := out[name]; !seen {
				out[name] = m.Label()
			}
		}
	}
	return out
}

var sqlComment = regexp.MustCompile(`(?m)--.*$`)

func stripComments(sql string) string { return sqlComment.ReplaceAllString(sql, "") }

// collides refuses a set that creates or drops an object of ours, or one
// named like the ledger.
func collides(s, ours *migrate.Set, kind string) error {
	theirs := objects(s)
	mine := objects(ours)
	for name, label := range theirs {
		if owner, ok := mine[name]; ok {
			return fmt.Errorf("%s migration %s creates or drops %q, which is Tenantry's own (%s %s): choose another name", kind, label, name, kind, owner)
		}
		if name == "tenantry_migrations" || strings.HasPrefix(name, "tenantry_") {
			return fmt.Errorf("%s migration %s creates or drops %q: names starting tenantry_ are Tenantry's own", kind, label, name)
		}
	}
	return nil
}
