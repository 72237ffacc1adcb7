package domains

// The SQL of the package, in one place. Domains live in public.domains
// (shared migrations 0001 and 0011); the registry's trigger announces
// every change of a row to the servers' caches.

const domainColumns = `domain, tenant_id, is_primary, status, coalesce(token, ''), primary_on_verify,
	verified_at, coalesce(verified_by, ''), checked_at, last_error, created_at`

const listSQL = `SELECT ` + domainColumns + ` FROM public.domains WHERE tenant_id = $1
	ORDER BY is_primary DESC, status DESC, domain`

const getSQL = `SELECT ` + domainColumns + ` FROM public.domains WHERE domain = $1`

// insertSQL adds a domain; ON CONFLICT leaves the row of whoever has it.
const insertSQL = `INSERT INTO public.domains
	(domain, tenant_id, status, token, primary_on_verify, verified_at, verified_by)
	VALUES ($1, $2, $3, nullif($4, ''), $5, CASE WHEN $3 = 'verified' THEN now() END, nullif($6, ''))
	ON CONFLICT (domain) DO NOTHING`

const clearPrimarySQL = `UPDATE public.domains SET is_primary = false
	WHERE tenant_id = $1 AND is_primary AND domain <> $2`

const setPrimarySQL = `UPDATE public.domains SET is_primary = true, primary_on_verify = false
	WHERE domain = $1 AND tenant_id = $2`

const deleteSQL = `DELETE FROM public.domains WHERE domain = $1 AND tenant_id = $2`

// verifiedSQL records a successful check, unless the domain was removed,
// added again with another token, or verified meanwhile.
const verifiedSQL = `UPDATE public.domains SET status = 'verified', verified_at = now(), verified_by = $3,
	checked_at = now(), last_error = ''
	WHERE domain = $1 AND token = $2 AND status = 'pending'
	RETURNING tenant_id, primary_on_verify`

// failedSQL records a failed check of a pending domain.
const failedSQL = `UPDATE public.domains SET checked_at = now(), last_error = left($3, 500)
	WHERE domain = $1 AND token = $2 AND status = 'pending'`

// tokenOwnerSQL finds the domain a token was issued for.
const tokenOwnerSQL = `SELECT domain FROM public.domains WHERE token = $1`

// pendingTokenSQL answers a verification file request: whether host is a
// pending domain whose token is the one asked for.
const pendingTokenSQL = `SELECT EXISTS (SELECT FROM public.domains
	WHERE domain = $1 AND token = $2 AND status = 'pending')`
