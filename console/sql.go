package console

// The console's own SQL. Tenant tables are unqualified: those statements
// run in a transaction bound to the tenant (search_path is its schema).
const (
	insertTenantSessionSQL = `INSERT INTO console_sessions (token_hash, user_id, csrf_token, expires_at)
		VALUES ($1, $2, $3, now() + make_interval(secs => $4))`
	// pruneTenantSessionsSQL forgets sessions that have ended.
	pruneTenantSessionsSQL = `DELETE FROM console_sessions WHERE expires_at < now()`
	tenantSessionSQL       = `SELECT s.csrf_token, u.id, u.username, u.email, u.role, u.is_active, u.date_joined
		FROM console_sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > now() AND u.is_active
		AND (u.password_changed_at IS NULL OR u.password_changed_at <= s.created_at)`
	deleteTenantSessionSQL = `DELETE FROM console_sessions WHERE token_hash = $1`
	endUserSessionsSQL     = `DELETE FROM console_sessions WHERE user_id = $1`
	// useTenantNonceSQL notes a form's nonce as used by the session; no
	// row when it was used already (the form was sent twice).
	useTenantNonceSQL = `UPDATE console_sessions SET last_nonce = $2
		WHERE token_hash = $1 AND last_nonce IS DISTINCT FROM $2 RETURNING 1`

	insertOperatorSessionSQL = `INSERT INTO public.operator_sessions (token_hash, operator_id, csrf_token, expires_at)
		VALUES ($1, $2, $3, now() + make_interval(secs => $4))`
	pruneOperatorSessionsSQL = `DELETE FROM public.operator_sessions WHERE expires_at < now()`
	operatorSessionSQL       = `SELECT s.csrf_token, o.id, o.username, o.email, o.is_active, o.created_at
		FROM public.operator_sessions s JOIN public.operators o ON o.id = s.operator_id
		WHERE s.token_hash = $1 AND s.expires_at > now() AND o.is_active`
	deleteOperatorSessionSQL = `DELETE FROM public.operator_sessions WHERE token_hash = $1`
)

// The platform console's reads of the registry and the fleet summary.
const (
	// tenantFilter: $1 search (slug, name or a domain, any case, LIKE's
	// wildcards escaped), $2 status, $3 plan; "" for any.
	tenantFilter = ` WHERE ($1 = '' OR t.slug ILIKE '%' || $1 || '%' OR t.name ILIKE '%' || $1 || '%'
			OR t.id IN (SELECT d.tenant_id FROM public.domains d WHERE d.domain ILIKE '%' || $1 || '%'))
		AND ($2 = '' OR t.status = $2) AND ($3 = '' OR t.plan = $3)`
	// listTenantsSQL is a page of $5 tenants after slug $4, by slug: the
	// unique index on slug makes each page one index range, however deep.
	listTenantsSQL = `SELECT t.slug, t.name, t.status, t.plan, t.created_at,
			coalesce((SELECT d.domain FROM public.domains d WHERE d.tenant_id = t.id ORDER BY d.is_primary DESC, d.domain LIMIT 1), ''),
			coalesce(s.version, 0), coalesce(s.last_error, '')
		FROM public.tenants t LEFT JOIN public.tenantry_schema_state s ON s.schema_name = t.schema_name` +
		tenantFilter + ` AND t.slug > $4 ORDER BY t.slug LIMIT $5`
	countTenantsSQL = `SELECT count(*) FROM public.tenants t` + tenantFilter
	plansSQL        = `SELECT DISTINCT plan FROM public.tenants ORDER BY plan`
	schemaStateSQL  = `SELECT version, coalesce(last_error, ''), coalesce(error_version, 0), updated_at
		FROM public.tenantry_schema_state WHERE schema_name = $1`
	countUsersSQL = `SELECT count(*), count(*) FILTER (WHERE is_active) FROM users`

	// fleetSummarySQL counts the schemas, those behind $1 and those failed.
	fleetSummarySQL = `SELECT count(*), count(*) FILTER (WHERE version < $1), count(*) FILTER (WHERE last_error IS NOT NULL)
		FROM public.tenantry_schema_state`
	// fleetTroubleSQL lists schemas behind $1 or failed, failures first.
	fleetTroubleSQL = `SELECT schema_name, kind, version, coalesce(last_error, ''), coalesce(error_version, 0), updated_at
		FROM public.tenantry_schema_state WHERE version < $1 OR last_error IS NOT NULL
		ORDER BY last_error IS NULL, schema_name LIMIT 500`
	tenantCountsSQL = `SELECT count(*), count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'suspended')
		FROM public.tenants`
	// perDaySQL counts the rows of a table by day over the last $1 days,
	// today included; the table and column are fixed by the callers.
	tenantsPerDaySQL = `SELECT d::date, (SELECT count(*) FROM public.tenants t WHERE t.created_at >= d AND t.created_at < d + interval '1 day')
		FROM generate_series(current_date - ($1::int - 1), current_date, interval '1 day') d ORDER BY d`
	auditPerDaySQL = `SELECT d::date, (SELECT count(*) FROM public.audit_log a WHERE a.at >= d AND a.at < d + interval '1 day')
		FROM generate_series(current_date - ($1::int - 1), current_date, interval '1 day') d ORDER BY d`
)
