-- Platform operators: the accounts that create, suspend and delete tenants
-- through /api/platform/ on the base domain. They are created with
-- "tenantry operator create" and belong to no tenant. Passwords are argon2id
-- hashes in PHC string form. Usernames and emails are unique without regard
-- to case, since either one logs in.
CREATE TABLE public.operators (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL CHECK (char_length(username) BETWEEN 1 AND 150),
    email         text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    password_hash text NOT NULL,
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX operators_username_key ON public.operators (lower(username));
CREATE UNIQUE INDEX operators_email_key ON public.operators (lower(email));

-- Failed operator logins, per account and client, for throttling password
-- guessing: the same rules as each tenant's login_failures.
CREATE TABLE public.operator_login_failures (
    account   text NOT NULL,
    client    text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX operator_login_failures_account_idx ON public.operator_login_failures (account, client, failed_at);
