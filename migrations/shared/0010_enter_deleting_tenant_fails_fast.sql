-- A tenant transaction begun once the tenant is known to be deleting fails
-- at once instead of queueing for the tenant's lock behind a delete step
-- that waits for older transactions: such a step can wait as long as the
-- longest of them, and a caller whose older transaction waits on the new
-- one (a request that opens a second tenant transaction) would never end.
-- The check after the lock stays: a delete whose status was committed
-- after the first check is still seen there.
CREATE OR REPLACE FUNCTION public.tenantry_enter_tenant(tenant bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM public.tenants t WHERE t.id = tenant AND t.status <> 'deleting') THEN
        RAISE EXCEPTION 'tenant % is being deleted or no longer exists', tenant USING ERRCODE = 'TN404';
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(public.tenantry_tenant_lock(tenant));
    IF NOT EXISTS (SELECT FROM public.tenants t WHERE t.id = tenant AND t.status <> 'deleting') THEN
        RAISE EXCEPTION 'tenant % is being deleted or no longer exists', tenant USING ERRCODE = 'TN404';
    END IF;
END
$$;
