-- Failed logins are also counted per client over all accounts (a client
-- trying many accounts is throttled too), and the account of a login that
-- names a user is that user ("#<id>"), however the login was spelt.
CREATE INDEX login_failures_client_idx ON login_failures (client, failed_at);
