-- Domains with verification, and the tenant lifecycle's termination and
-- maintenance.
--
-- A domain is 'verified' (it routes) or 'pending' (it does not, until its
-- owner proves control with the DNS TXT record _tenantry.<domain> or the
-- HTTP file /.well-known/tenantry/<token>). Domains that existed before
-- this migration, and those a tenant is created with, are verified. Names
-- are stored in their ASCII (punycode) form.
ALTER TABLE public.domains
    ADD COLUMN status text NOT NULL DEFAULT 'verified' CHECK (status IN ('pending', 'verified')),
    ADD COLUMN token text CHECK (token ~ '^[a-z0-9]{32}$'),
    ADD COLUMN primary_on_verify boolean NOT NULL DEFAULT false,
    ADD COLUMN verified_at timestamptz DEFAULT now(),
    ADD COLUMN verified_by text DEFAULT 'operator' CHECK (verified_by IN ('base-domain', 'dns', 'http', 'operator')),
    ADD COLUMN checked_at timestamptz,
    ADD COLUMN last_error text NOT NULL DEFAULT '' CHECK (char_length(last_error) <= 500);
UPDATE public.domains SET verified_at = created_at;
ALTER TABLE public.domains
    ADD CONSTRAINT domains_primary_verified CHECK (NOT is_primary OR status = 'verified'),
    ADD CONSTRAINT domains_pending_token CHECK (status = 'verified' OR token IS NOT NULL);
-- A token proves control of one domain only: it is never issued twice.
CREATE UNIQUE INDEX domains_token_idx ON public.domains (token);

-- A terminated tenant's data is kept until purge_after, then purged by
-- "tenant purge --due" or the periodic purge job; activating it clears
-- the date. maintenance is who put the tenant in maintenance ('operator':
-- "tenant maintenance T on"; 'migration': "migrate --maintenance" while
-- its schema migrates), or NULL; its hosts then answer 503 with
-- Retry-After.
ALTER TABLE public.tenants
    ADD COLUMN purge_after timestamptz,
    ADD COLUMN maintenance text CHECK (maintenance IN ('operator', 'migration'));
CREATE INDEX tenants_purge_after_idx ON public.tenants (purge_after) WHERE purge_after IS NOT NULL;
