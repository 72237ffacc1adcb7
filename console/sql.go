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
