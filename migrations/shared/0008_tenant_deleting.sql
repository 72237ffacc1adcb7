-- Deleting a tenant in steps (provision.Delete). A tenant's schema is
-- dropped in many small transactions, so that no one of them needs more of
-- PostgreSQL's shared lock table than a backend's share: one DROP SCHEMA
-- CASCADE of a tenant with thousands of tables cannot fit in it. Between
-- the first step and the last the tenant's status is 'deleting': it is not
-- served, its jobs are cancelled, and a delete run again finishes the work.
ALTER TABLE public.tenants DROP CONSTRAINT tenants_status_check;
ALTER TABLE public.tenants ADD CONSTRAINT tenants_status_check
    CHECK (status IN ('active', 'suspended', 'terminated', 'deleting'));

-- tenantry_tenant_lock is the key of tenant's transaction-level advisory
-- lock: every tenant transaction holds it shared, a delete step holds it
-- exclusive.
CREATE FUNCTION public.tenantry_tenant_lock(tenant bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.hashtextextended('tenantry.tenant:' || tenant::text, 0)
$$;

-- tenantry_enter_tenant opens every tenant transaction (tenantdb), before
-- the transaction takes the tenant's role. It holds the tenant's lock
-- shared until the transaction ends, then checks, with a snapshot taken
-- after the lock was granted, that the tenant exists and is not being
-- deleted; otherwise it fails with SQLSTATE TN404, which tenantdb turns
-- into tenantry.ErrTenantNotFound. A delete step first takes the lock
-- exclusive, after the status 'deleting' is committed: it waits for the
-- tenant transactions that began before, and every later one fails here,
-- so no tenant transaction ever sees a schema half dropped, however stale a
-- server's registry cache.
CREATE FUNCTION public.tenantry_enter_tenant(tenant bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(public.tenantry_tenant_lock(tenant));
    IF NOT EXISTS (SELECT FROM public.tenants t WHERE t.id = tenant AND t.status <> 'deleting') THEN
        RAISE EXCEPTION 'tenant % is being deleted or no longer exists', tenant USING ERRCODE = 'TN404';
    END IF;
END
$$;

-- Only the application's login role, which owns them, opens tenant
-- transactions; tenant roles have no business probing other tenants.
REVOKE EXECUTE ON FUNCTION public.tenantry_enter_tenant(bigint) FROM PUBLIC;
