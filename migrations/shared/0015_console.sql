-- Sessions of the platform console (/admin/ on the base domain), one per
-- operator login: the same shape as a tenant's console_sessions.
CREATE TABLE public.operator_sessions (
    token_hash  bytea PRIMARY KEY,
    operator_id bigint NOT NULL REFERENCES public.operators (id) ON DELETE CASCADE,
    csrf_token  text NOT NULL,
    last_nonce  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX operator_sessions_operator_id_idx ON public.operator_sessions (operator_id);
CREATE INDEX operator_sessions_expires_at_idx ON public.operator_sessions (expires_at);
-- The console's tenant list filters by status and plan and pages by slug;
-- its chart counts tenants by day of creation.
CREATE INDEX tenants_created_at_idx ON public.tenants (created_at);
