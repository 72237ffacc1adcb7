-- Self-service signup on the base domain.
--
-- A signup waits in signups until its emailed link is followed. The token
-- itself is never stored, only its SHA-256, so a copy of this table cannot
-- verify anything. The password is hashed (argon2id) when it is typed. One
-- email has at most one pending signup: signing up again replaces it, and
-- the earlier link stops working.
CREATE TABLE public.signups (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (email = lower(email) AND char_length(email) BETWEEN 3 AND 254),
    email_domain  text NOT NULL CHECK (email_domain = lower(email_domain)),
    company       text NOT NULL CHECK (char_length(company) BETWEEN 1 AND 200),
    password_hash text NOT NULL,
    token_hash    bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    verified_at   timestamptz,
    -- What verifying did: created a tenant, joined one (auto-join), or asked
    -- to join one. tenant_id is that tenant; it outlives a deleted tenant as
    -- NULL so the history stays.
    outcome       text CHECK (outcome IN ('created', 'joined', 'requested')),
    tenant_id     bigint REFERENCES public.tenants (id) ON DELETE SET NULL,
    user_id       bigint,
    CHECK ((status = 'verified') = (verified_at IS NOT NULL AND outcome IS NOT NULL))
);
CREATE UNIQUE INDEX signups_pending_email_idx ON public.signups (email) WHERE status = 'pending';
CREATE INDEX signups_verified_email_idx ON public.signups (email) WHERE status = 'verified';
CREATE INDEX signups_tenant_id_idx ON public.signups (tenant_id);

-- Email domains claimed by tenants: a verified signup from ana@acme.com
-- claims acme.com for the tenant it created, and later signups from that
-- domain ask to join it instead of making a second tenant. Free-mail and
-- disposable domains are never claimed (the list is in the code). A domain
-- belongs to one tenant at most. With auto_join, a verified signup from the
-- domain becomes a member at once instead of asking.
CREATE TABLE public.email_domains (
    domain     text PRIMARY KEY CHECK (domain = lower(domain) AND char_length(domain) <= 253),
    tenant_id  bigint NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
    auto_join  boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_domains_tenant_id_idx ON public.email_domains (tenant_id);

-- Requests to join a tenant, from verified signups whose email domain the
-- tenant has claimed. The tenant's owners and admins approve (the user is
-- created with the password typed at signup) or reject them.
CREATE TABLE public.join_requests (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
    email         text NOT NULL CHECK (email = lower(email)),
    password_hash text NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    decided_at    timestamptz,
    decided_by    bigint,
    user_id       bigint,
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX join_requests_pending_idx ON public.join_requests (tenant_id, email) WHERE status = 'pending';
CREATE INDEX join_requests_tenant_id_idx ON public.join_requests (tenant_id, status, id);
