-- A tenant transaction whose lock is granted at once (no delete step holds
-- it) checks the tenant once, after the lock, instead of before and after
-- it: one query fewer on every tenant transaction. The guarantees of 0008
-- and 0010 hold: the check after the lock still runs with a snapshot taken
-- once the lock is held, so a 'deleting' committed before it is seen, and
-- a delete step that comes later waits for this transaction; when the lock
-- is not free (a delete step holds it), the tenant is checked before
-- waiting, so that a transaction of a deleting tenant fails at once rather
-- than queueing behind the step, and again after.
CREATE OR REPLACE FUNCTION public.tenantry_enter_tenant(tenant bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pg_catalog.pg_try_advisory_xact_lock_shared(public.tenantry_tenant_lock(tenant)) THEN
        IF NOT EXISTS (SELECT FROM public.tenants t WHERE t.id = tenant AND t.status <> 'deleting') THEN
            RAISE EXCEPTION 'tenant % is being deleted or no longer exists', tenant USING ERRCODE = 'TN404';
        END IF;
        PERFORM pg_catalog.pg_advisory_xact_lock_shared(public.tenantry_tenant_lock(tenant));
    END IF;
    IF NOT EXISTS (SELECT FROM public.tenants t WHERE t.id = tenant AND t.status <> 'deleting') THEN
        RAISE EXCEPTION 'tenant % is being deleted or no longer exists', tenant USING ERRCODE = 'TN404';
    END IF;
END
$$;
