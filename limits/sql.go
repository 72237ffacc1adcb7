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
