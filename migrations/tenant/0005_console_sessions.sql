-- Sessions of the web console (/admin/ on the tenant's host). The cookie
-- holds a random token; only its SHA-256 hash is stored. A session ends at
-- expires_at, at logout, when its user is deleted, and (checked on each
-- request) when its user is deactivated or changes password after it began.
-- csrf_token is echoed in every form; last_nonce is the last form submitted
-- through the session, so that a form sent twice is refused the second time.
CREATE TABLE console_sessions (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    last_nonce text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX console_sessions_user_id_idx ON console_sessions (user_id);
CREATE INDEX console_sessions_expires_at_idx ON console_sessions (expires_at);
