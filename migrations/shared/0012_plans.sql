-- Plans: the limits and features a tenant's plan gives it (package limits).
-- A NULL limit is no limit. Every tenant names its plan in tenants.plan;
-- a tenant naming a plan that does not exist is served with the default
-- plan, "free", which this migration creates without limits and which
-- cannot be deleted. A plan is deleted only while no tenant names it.
CREATE TABLE public.plans (
    name                 text PRIMARY KEY CHECK (char_length(name) BETWEEN 1 AND 64),
    rate                 double precision CHECK (rate > 0 AND rate <= 1000000),
    burst                integer CHECK (burst > 0),
    user_rate            double precision CHECK (user_rate > 0 AND user_rate <= 1000000),
    user_burst           integer CHECK (user_burst > 0),
    max_transactions     integer CHECK (max_transactions > 0),
    statement_timeout_ms integer CHECK (statement_timeout_ms > 0),
    max_users            integer CHECK (max_users > 0),
    max_jobs             integer CHECK (max_jobs > 0),
    quotas               jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(quotas) = 'object'),
    features             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(features) = 'object'),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (burst IS NULL OR rate IS NOT NULL),
    CHECK (user_burst IS NULL OR user_rate IS NOT NULL)
);

-- The default plan, and the plans existing tenants already name, all
-- without limits: nothing changes for anyone until an operator sets some.
INSERT INTO public.plans (name) VALUES ('free');
INSERT INTO public.plans (name) SELECT DISTINCT plan FROM public.tenants ON CONFLICT DO NOTHING;

CREATE INDEX tenants_plan_idx ON public.tenants (plan);

-- Every change to a plan is announced on tenantry_plans with its name, so
-- that every server's copy of the plans is refreshed within a moment (a
-- tenant's change of plan is a change of its row: tenantry_registry).
CREATE FUNCTION public.tenantry_plans_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tenantry_plans', coalesce(NEW.name, OLD.name));
    RETURN NULL;
END
$$;
CREATE TRIGGER plans_notify AFTER INSERT OR UPDATE OR DELETE ON public.plans
    FOR EACH ROW EXECUTE FUNCTION public.tenantry_plans_notify();

-- tenantry_admit_user is called before a user is added to a tenant (every
-- path goes through auth.CreateUser). It finds the transaction's tenant:
-- the tenant role the transaction entered (the role setting, which a role
-- cannot point at another tenant's role), else, for platform work under
-- the login role, tenantry.tenant_id. When the tenant's plan has
-- max_users, it takes the tenant's user-count lock for the rest of the
-- transaction, counts the tenant's users and fails with SQLSTATE TN403
-- when one more would exceed the limit (CONSTRAINT names the limit,
-- DETAIL holds it, HINT names the plan). Concurrent additions queue on the
-- lock, so they cannot overshoot together.
CREATE FUNCTION public.tenantry_admit_user() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    r         text := current_setting('role');
    tenant    bigint;
    schema    text;
    plan_name text;
    lim       integer;
    n         bigint;
BEGIN
    IF r IS NOT NULL AND r <> 'none' THEN
        SELECT t.id INTO tenant FROM public.tenants t WHERE t.role_name = r;
    END IF;
    IF tenant IS NULL THEN
        tenant := nullif(current_setting('tenantry.tenant_id', true), '')::bigint;
    END IF;
    IF tenant IS NULL THEN
        RETURN;
    END IF;
    SELECT t.schema_name, coalesce(p.name, d.name), CASE WHEN p.name IS NULL THEN d.max_users ELSE p.max_users END
        INTO schema, plan_name, lim
        FROM public.tenants t
        LEFT JOIN public.plans p ON p.name = t.plan
        LEFT JOIN public.plans d ON d.name = 'free'
        WHERE t.id = tenant;
    IF lim IS NULL THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('tenantry.users:' || tenant::text, 0));
    EXECUTE format('SELECT count(*) FROM %I.users', schema) INTO n;
    IF n >= lim THEN
        RAISE EXCEPTION 'the plan "%" allows at most % users', plan_name, lim
            USING ERRCODE = 'TN403', CONSTRAINT = 'max_users', DETAIL = lim::text, HINT = plan_name;
    END IF;
END
$$;
