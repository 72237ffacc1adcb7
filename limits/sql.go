package limits

// The SQL of plans, in one place.
const (
	planColumns = `p.name, coalesce(p.rate, 0), coalesce(p.burst, 0), coalesce(p.user_rate, 0), coalesce(p.user_burst, 0),
	coalesce(p.max_transactions, 0), coalesce(p.statement_timeout_ms, 0), coalesce(p.max_users, 0), coalesce(p.max_jobs, 0),
	p.quotas, p.features, p.created_at, p.updated_at,
	(SELECT count(*) FROM public.tenants t WHERE t.plan = p.name)`

	selectPlans = `SELECT ` + planColumns + ` FROM public.plans p `

	upsertPlan = `INSERT INTO public.plans AS p (name, rate, burst, user_rate, user_burst, max_transactions,
		statement_timeout_ms, max_users, max_jobs, quotas, features)
	VALUES ($1, nullif($2, 0::float8), nullif($3, 0), nullif($4, 0::float8), nullif($5, 0), nullif($6, 0),
		nullif($7, 0), nullif($8, 0), nullif($9, 0), $10, $11)
	ON CONFLICT (name) DO UPDATE SET rate = EXCLUDED.rate, burst = EXCLUDED.burst, user_rate = EXCLUDED.user_rate,
		user_burst = EXCLUDED.user_burst, max_transactions = EXCLUDED.max_transactions,
		statement_timeout_ms = EXCLUDED.statement_timeout_ms, max_users = EXCLUDED.max_users,
		max_jobs = EXCLUDED.max_jobs, quotas = EXCLUDED.quotas, features = EXCLUDED.features, updated_at = now()
	RETURNING ` + planColumns

	// lockPlan keeps a plan from being deleted (FOR SHARE) or others from
	// naming it (FOR UPDATE) until the transaction ends.
	sharePlan  = `SELECT name FROM public.plans WHERE name = $1 FOR SHARE`
	lockPlan   = `SELECT name FROM public.plans WHERE name = $1 FOR UPDATE`
	countUsers = `SELECT count(*) FROM public.tenants WHERE plan = $1`
	deletePlan = `DELETE FROM public.plans WHERE name = $1`
	movePlan   = `UPDATE public.tenants SET plan = $2, updated_at = now() WHERE plan = $1 RETURNING id`
	assignPlan = `UPDATE public.tenants SET plan = $2, updated_at = now() WHERE id = $1`
)

// tenantStatementsSQL are the statements of tenant roles in this database
// (%s: the quoted pg_stat_statements view).
const tenantStatementsSQL = `WITH s AS (
	SELECT t.id, t.slug, t.plan, st.query, st.calls, st.total_exec_time, st.rows
	FROM %s st
	JOIN pg_catalog.pg_roles r ON r.oid = st.userid
	JOIN public.tenants t ON t.role_name = r.rolname
	WHERE st.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
), per AS (
	SELECT id, slug, plan, sum(calls)::bigint AS calls, sum(total_exec_time) AS total, sum(rows)::bigint AS rows
	FROM s GROUP BY id, slug, plan
)`

// topTenantsSQL: the $1 heaviest tenants, each with its $2 heaviest
// statements.
const topTenantsSQL = tenantStatementsSQL + `
SELECT p.id, p.slug, p.plan, p.calls, p.total, p.rows,
	coalesce((SELECT json_agg(json_build_object('query', x.query, 'calls', x.calls, 'total', x.total_exec_time,
		'rows', x.rows) ORDER BY x.total_exec_time DESC)
	FROM (SELECT * FROM s WHERE s.id = p.id ORDER BY s.total_exec_time DESC LIMIT $2) x), '[]')
FROM per p ORDER BY p.total DESC, p.id LIMIT $1`

// allTenantsSQL: how many tenants have statistics, and their totals.
const allTenantsSQL = tenantStatementsSQL + `
SELECT count(*), coalesce(sum(calls), 0)::bigint, coalesce(sum(total), 0), coalesce(sum(rows), 0)::bigint FROM per`
