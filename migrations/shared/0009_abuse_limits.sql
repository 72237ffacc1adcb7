-- Limits on the public endpoints.
--
-- Operators' failed logins are counted per client over all accounts too,
-- as each tenant's are (tenant migration 0005).
CREATE INDEX operator_login_failures_client_idx ON public.operator_login_failures (client, failed_at);

-- Every signup that queued a verification email, kept for the longest
-- limit window: signup counts them per email address, per client and in
-- all to refuse more (429) before mailing anyone again. Rows older than
-- the window are deleted, a bounded batch at a time, as new ones come.
CREATE TABLE public.signup_attempts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      text NOT NULL,
    client     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signup_attempts_email_idx ON public.signup_attempts (email, created_at);
CREATE INDEX signup_attempts_client_idx ON public.signup_attempts (client, created_at);
CREATE INDEX signup_attempts_created_at_idx ON public.signup_attempts (created_at);
