-- A lending company's borrowers. Optional fields are NULL when unknown,
-- never empty strings; names are stored trimmed.
CREATE TABLE borrowers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200 AND name = btrim(name)),
    email       text CHECK (char_length(email) BETWEEN 3 AND 254 AND email LIKE '_%@_%'),
    phone       text CHECK (phone ~ '^\+?[0-9][0-9 ()./-]{2,31}$'),
    national_id text CHECK (char_length(national_id) BETWEEN 1 AND 64 AND national_id = btrim(national_id)),
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- One borrower per national id; borrowers without one are not compared.
CREATE UNIQUE INDEX borrowers_national_id_key ON borrowers (national_id);
CREATE INDEX borrowers_created_at_idx ON borrowers (created_at DESC, id DESC);
CREATE INDEX borrowers_created_by_idx ON borrowers (created_by);
