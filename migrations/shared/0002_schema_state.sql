-- The fleet summary: one row per migrated schema, so that "who is behind"
-- is one query over this table rather than one per schema.
CREATE TABLE public.tenantry_schema_state (
    schema_name   text PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('static', 'dynamic', 'spare')),
    version       integer NOT NULL DEFAULT 0,
    last_error    text,
    error_version integer,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenantry_schema_state_version_idx ON public.tenantry_schema_state (version);
