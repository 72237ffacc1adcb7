-- The audit log, and row-level security on the shared tables that hold
-- per-tenant rows.
--
-- audit_log is append-only: security-relevant events (logins, refused
-- tokens, role changes, tenants created, suspended and deleted) with their
-- tenant, actor, time and request id. It has no foreign key to tenants: a
-- deleted tenant's history stays.
CREATE TABLE public.audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    tenant_id  bigint,
    actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'operator', 'system', 'anonymous')),
    actor_id   bigint,
    actor      text NOT NULL DEFAULT '' CHECK (char_length(actor) <= 300),
    action     text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
    target     text NOT NULL DEFAULT '' CHECK (char_length(target) <= 300),
    request_id text NOT NULL DEFAULT '' CHECK (char_length(request_id) <= 100),
    client     text NOT NULL DEFAULT '' CHECK (char_length(client) <= 100),
    details    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object')
);
CREATE INDEX audit_log_tenant_idx ON public.audit_log (tenant_id, id DESC);
CREATE INDEX audit_log_at_idx ON public.audit_log (at DESC, id DESC);

CREATE FUNCTION public.tenantry_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON public.audit_log
    FOR EACH ROW EXECUTE FUNCTION public.tenantry_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION public.tenantry_audit_append_only();

-- tenantry_role_tenant names the tenant whose database role is role, or
-- NULL. It reads the registry with its owner's rights, so that the
-- policies below can tie a row to the role a transaction runs as: a role
-- cannot pretend to be another, whatever settings it makes.
CREATE FUNCTION public.tenantry_role_tenant(role name) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT id FROM public.tenants WHERE role_name = role::text
$$;

-- Row-level security, forced on the owner too. Two permissive policies:
--  * tenant_rows: a tenant's role sees and adds only its tenant's rows;
--    any other role (other applications on the cluster) sees none;
--  * platform_rows: the application's login role (the role that runs the
--    migrations) sees every row outside a tenant transaction, and only the
--    tenant's rows inside one (tenantry.tenant_id set), which is the
--    isolation that remains when the role layer is turned off.
-- Superusers bypass row-level security: log in as a non-superuser.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['audit_log', 'join_requests', 'email_domains', 'signups'] LOOP
        EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY platform_rows ON public.%I TO CURRENT_USER
            USING (nullif(current_setting('tenantry.tenant_id', true), '') IS NULL
                   OR tenant_id = nullif(current_setting('tenantry.tenant_id', true), '')::bigint)
            WITH CHECK (nullif(current_setting('tenantry.tenant_id', true), '') IS NULL
                   OR tenant_id = nullif(current_setting('tenantry.tenant_id', true), '')::bigint)$p$, t);
        EXECUTE format($p$CREATE POLICY tenant_rows ON public.%I
            USING (tenant_id = public.tenantry_role_tenant(current_user))
            WITH CHECK (tenant_id = public.tenantry_role_tenant(current_user))$p$, t);
    END LOOP;
END
$$;

-- What tenant transactions may do on them (row-level security decides
-- which rows): read and append their audit log, read their join requests
-- and email domains. Signups are the platform's alone.
GRANT SELECT, INSERT ON public.audit_log TO PUBLIC;
GRANT SELECT ON public.join_requests, public.email_domains TO PUBLIC;
