-- Moving a domain from one tenant to another must reach the caches of both:
-- announce the old tenant too when a domain row's tenant changes.
CREATE OR REPLACE FUNCTION public.tenantry_registry_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        PERFORM pg_notify('tenantry_registry', coalesce(NEW.id, OLD.id)::text);
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('tenantry_registry', OLD.tenant_id::text);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) THEN
        PERFORM pg_notify('tenantry_registry', NEW.tenant_id::text);
    END IF;
    RETURN NULL;
END
$$;
