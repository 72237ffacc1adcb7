-- The tenant registry: who the tenants are and which hosts reach them.
CREATE TABLE public.tenants (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug             text NOT NULL UNIQUE,
    schema_name      text NOT NULL UNIQUE,
    role_name        text UNIQUE,
    name             text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    status           text NOT NULL DEFAULT 'active'
                     CHECK (status IN ('active', 'suspended', 'terminated')),
    locale           text NOT NULL DEFAULT 'en' CHECK (char_length(locale) BETWEEN 2 AND 35),
    timezone         text NOT NULL DEFAULT 'UTC' CHECK (char_length(timezone) BETWEEN 1 AND 64),
    default_currency char(3) NOT NULL DEFAULT 'USD' CHECK (default_currency ~ '^[A-Z]{3}$'),
    features         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(features) = 'object'),
    plan             text NOT NULL DEFAULT 'free' CHECK (char_length(plan) BETWEEN 1 AND 64),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.domains (
    domain     text PRIMARY KEY CHECK (domain = lower(domain) AND char_length(domain) <= 253),
    tenant_id  bigint NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
    is_primary boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domains_tenant_id_idx ON public.domains (tenant_id);
CREATE UNIQUE INDEX domains_one_primary_idx ON public.domains (tenant_id) WHERE is_primary;

-- Every change to a tenant or its domains is announced on the channel
-- tenantry_registry with the tenant's id, so that every server's host cache
-- drops what it knew of that tenant within a moment.
CREATE FUNCTION public.tenantry_registry_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        PERFORM pg_notify('tenantry_registry', coalesce(NEW.id, OLD.id)::text);
    ELSE
        PERFORM pg_notify('tenantry_registry', coalesce(NEW.tenant_id, OLD.tenant_id)::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER tenants_notify AFTER INSERT OR UPDATE OR DELETE ON public.tenants
    FOR EACH ROW EXECUTE FUNCTION public.tenantry_registry_notify();
CREATE TRIGGER domains_notify AFTER INSERT OR UPDATE OR DELETE ON public.domains
    FOR EACH ROW EXECUTE FUNCTION public.tenantry_registry_notify();
