package export_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenanttest"
)

// The catalog dump below is the one provisioning's tests compare spares
// with cold tenants by: an imported tenant must be indistinguishable from
// its original in it.

// catalogSQL dumps, one line per object, what a tenant's schema is made of.
// Each query takes the schema name as $1 and returns one text column.
var catalogSQL = []string{
	`SELECT format('schema owner=%s acl=%s comment=%s', pg_get_userbyid(nspowner), nspacl, obj_description(oid, 'pg_namespace'))
	FROM pg_namespace WHERE nspname = $1`,
	`SELECT format('relation %s kind=%s owner=%s acl=%s persistence=%s options=%s rls=%s/%s partkey=%s bound=%s comment=%s',
		c.relname, c.relkind, pg_get_userbyid(c.relowner), c.relacl, c.relpersistence, c.reloptions,
		c.relrowsecurity, c.relforcerowsecurity, pg_get_partkeydef(c.oid), pg_get_expr(c.relpartbound, c.oid),
		obj_description(c.oid, 'pg_class'))
	FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
	`SELECT format('column %s.%s #%s type=%s notnull=%s default=%s identity=%s generated=%s collation=%s acl=%s comment=%s',
		c.relname, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
		a.attidentity, a.attgenerated, a.attcollation::regcollation, a.attacl, col_description(c.oid, a.attnum))
	FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped`,
	`SELECT format('constraint %s on %s%s type=%s deferrable=%s/%s validated=%s def=%s',
		con.conname, c.relname, ty.typname, con.contype, con.condeferrable, con.condeferred, con.convalidated,
		pg_get_constraintdef(con.oid))
	FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
	LEFT JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_type ty ON ty.oid = con.contypid
	WHERE n.nspname = $1`,
	`SELECT format('index %s valid=%s', pg_get_indexdef(i.indexrelid), i.indisvalid)
	FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = $1`,
	`SELECT format('sequence %s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s last=%s owned_by=%s',
		c.relname, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
		pg_sequence_last_value(c.oid),
		(SELECT string_agg(format('%s.%s(%s)', t.relname, a.attname, d.deptype), ',')
		 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
		 JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
		 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
		   AND d.deptype IN ('a', 'i')))
	FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = $1`,
	`SELECT format('trigger %s enabled=%s', pg_get_triggerdef(tg.oid), tg.tgenabled)
	FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = $1 AND NOT tg.tgisinternal`,
	`SELECT format('function %s kind=%s owner=%s acl=%s config=%s def=%s', p.proname, p.prokind,
		pg_get_userbyid(p.proowner), p.proacl, p.proconfig,
		CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END)
	FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1`,
	`SELECT format('view %s %s', c.relname, pg_get_viewdef(c.oid))
	FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('v', 'm')`,
	`SELECT format('rule %s on %s %s', rulename, tablename, definition) FROM pg_rules WHERE schemaname = $1`,
	`SELECT format('policy %s on %s %s %s roles=%s using=%s check=%s', policyname, tablename, permissive, cmd, roles, qual, with_check)
	FROM pg_policies WHERE schemaname = $1`,
	`SELECT format('type %s type=%s owner=%s acl=%s labels=%s', t.typname, t.typtype, pg_get_userbyid(t.typowner), t.typacl,
		(SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
	FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1`,
	`SELECT format('default privileges of %s on %s: %s', pg_get_userbyid(d.defaclrole), d.defaclobjtype, d.defaclacl)
	FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace WHERE n.nspname = $1`,
	`SELECT format('dependency of %s on %s (%s)', pg_describe_object(d.classid, d.objid, d.objsubid),
		pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid), d.deptype)
	FROM pg_depend d JOIN pg_namespace n ON d.refclassid = 'pg_namespace'::regclass AND d.refobjid = n.oid
	WHERE n.nspname = $1`,
}

// catalogOf returns the sorted catalog dump of ten's schema, with the
// schema's and the role's names replaced by placeholders; it adds the
// tenant's role (attributes and memberships) and its ledger (without
// timestamps).
func catalogOf(t *testing.T, env *tenanttest.Env, ten *tenantry.Tenant) []string {
	t.Helper()
	ledger := "SELECT format('migration %s %s %s', version, name, checksum) FROM " +
		pgx.Identifier{ten.SchemaName, "tenantry_migrations"}.Sanitize() + " WHERE $1 <> ''"
	lines := dump(t, env, append(slices.Clone(catalogSQL), ledger), ten.SchemaName)
	if ten.RoleName != "" {
		lines = append(lines, dump(t, env, roleSQL, ten.RoleName)...)
	}
	r := strings.NewReplacer(ten.SchemaName, "<schema>", "\n", " ⏎ ")
	for i, l := range lines {
		if ten.RoleName != "" {
			l = strings.ReplaceAll(l, ten.RoleName, "<role>")
		}
		lines[i] = r.Replace(l)
	}
	slices.Sort(lines)
	return lines
}

// roleSQL dumps a tenant role's attributes and memberships; each query
// takes the role's name as $1.
var roleSQL = []string{
	`SELECT format('role super=%s inherit=%s createrole=%s createdb=%s login=%s replication=%s bypassrls=%s connlimit=%s',
		rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit)
	FROM pg_roles WHERE rolname = $1`,
	`SELECT format('membership of %s in %s admin=%s', pg_get_userbyid(member), pg_get_userbyid(roleid), admin_option)
	FROM pg_auth_members WHERE roleid = $1::regrole OR member = $1::regrole`,
}

// dump runs each of queries with arg and returns every row.
func dump(t *testing.T, env *tenanttest.Env, queries []string, arg string) []string {
	t.Helper()
	var lines []string
	for _, q := range queries {
		rows, _ := env.Pool.Query(context.Background(), q, arg)
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("dump the catalog of %s: %v\n%s", arg, err, q)
		}
		lines = append(lines, got...)
	}
	return lines
}

// diffLines returns the lines only in want ("- ") and only in got ("+ ")
// of two sorted lists, or "" when they are equal.
func diffLines(want, got []string) string {
	var b strings.Builder
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j == len(got) || (i < len(want) && want[i] < got[j]):
			fmt.Fprintf(&b, "- %s\n", want[i])
			i++
		case i == len(want) || got[j] < want[i]:
			fmt.Fprintf(&b, "+ %s\n", got[j])
			j++
		default:
			i, j = i+1, j+1
		}
	}
	return b.String()
}
