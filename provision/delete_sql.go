package provision

// The SQL of Delete, in one place.

// markDeletingSQL is Delete's first step; the registry's trigger announces
// it (NOTIFY tenantry_registry).
const markDeletingSQL = "UPDATE public.tenants SET status = 'deleting', updated_at = now() WHERE id = $1"

// lockForDropSQL opens each transaction that drops part of a tenant's
// schema: the tenant's lock exclusive ($1, the tenant's id; shared migration
// 0008), then the schema's migration lock ($2, the schema; $3 is
// migrate.LockNamespace).
const lockForDropSQL = `SELECT pg_advisory_xact_lock(public.tenantry_tenant_lock($1)),
	pg_advisory_xact_lock($3, hashtext($2))`

// maxLocksSQL reads the lock table's size per backend, the unit of Delete's
// step budget.
const maxLocksSQL = "SELECT current_setting('max_locks_per_transaction')::int"

// dropPlanSQL lists what Delete drops in steps from schema $1: every
// relation (table, partitioned table, view, materialized view, foreign
// table, sequence), type and routine that belongs to the schema itself,
// lightest first, except the migration ledger ($2, dropped last) and the
// objects dropping them alone would fail on: an extension's members and
// those internal to another object (a multirange of its range). Everything
// else goes with the schema in the last step.
//
// locks is the number of objects a DROP ... CASCADE of the object deletes,
// and so locks: the object and everything that depends on it, found by
// following pg_depend (indexes, constraints, defaults, row and array types,
// TOAST tables, owned sequences, dependent views, partitions, and foreign
// keys of other tables). PostgreSQL locks every object it deletes; a drop
// also locks the tables whose foreign keys it removes, which the budget's
// margin covers.
//
// args is a routine's argument list as the server renders it for DROP
// (pg_get_function_identity_arguments: types and names quoted by the
// server), "" for the others.
const dropPlanSQL = `WITH RECURSIVE top AS (
	SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
	WHERE d.refclassid = 'pg_catalog.pg_namespace'::regclass
	AND d.refobjid = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = $1)
	AND d.deptype = 'n'
	AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend o
		WHERE o.classid = d.classid AND o.objid = d.objid AND o.deptype IN ('i', 'e'))
), tree (rootclass, root, classid, objid) AS (
	SELECT classid, objid, classid, objid FROM top
	UNION
	SELECT t.rootclass, t.root, d.classid, d.objid
	FROM tree t JOIN pg_catalog.pg_depend d ON d.refclassid = t.classid AND d.refobjid = t.objid
), weight AS (
	SELECT rootclass, root, count(*) AS locks FROM tree GROUP BY rootclass, root
)
SELECT c.relkind::text, c.relname::text, '', w.locks
FROM weight w JOIN pg_catalog.pg_class c ON c.oid = w.root
WHERE w.rootclass = 'pg_catalog.pg_class'::regclass AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND c.relname <> $2
UNION ALL
SELECT 'type', t.typname::text, '', w.locks
FROM weight w JOIN pg_catalog.pg_type t ON t.oid = w.root
WHERE w.rootclass = 'pg_catalog.pg_type'::regclass
UNION ALL
SELECT 'routine', p.proname::text, pg_catalog.pg_get_function_identity_arguments(p.oid), w.locks
FROM weight w JOIN pg_catalog.pg_proc p ON p.oid = w.root
WHERE w.rootclass = 'pg_catalog.pg_proc'::regclass
ORDER BY 4, 2, 3`
