-- Loans. Amounts are integers in the minor unit of the loan's currency
-- (cents for EUR, yen for JPY, fils for BHD), never floating point. The
-- interest is simple and flat: principal x yearly rate x term, so total_due
-- is fixed when the loan is made; paid grows with each payment and never
-- passes it.
CREATE TABLE loans (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    borrower_id       bigint NOT NULL REFERENCES borrowers (id) ON DELETE RESTRICT,
    principal         bigint NOT NULL CHECK (principal BETWEEN 1 AND 10000000000000),
    currency          char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- yearly rate in basis points: 1250 is 12.50 %
    interest_rate_bps integer NOT NULL CHECK (interest_rate_bps BETWEEN 0 AND 10000),
    term_months       integer NOT NULL CHECK (term_months BETWEEN 1 AND 480),
    total_due         bigint GENERATED ALWAYS AS
                      (principal + round(principal::numeric * interest_rate_bps * term_months / 120000)::bigint) STORED,
    paid              bigint NOT NULL DEFAULT 0,
    status            text NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'approved', 'disbursed', 'closed', 'defaulted')),
    officer_id        bigint REFERENCES users (id) ON DELETE SET NULL,
    approved_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    approved_at       timestamptz,
    disbursed_at      timestamptz,
    closed_at         timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- payments name their loan and its currency together (0003_payments)
    UNIQUE (id, currency),
    CHECK (paid BETWEEN 0 AND total_due),
    CHECK (paid = 0 OR disbursed_at IS NOT NULL),
    CHECK (status NOT IN ('approved', 'disbursed', 'defaulted') OR approved_at IS NOT NULL),
    CHECK (status NOT IN ('disbursed', 'defaulted') OR disbursed_at IS NOT NULL),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX loans_created_at_idx ON loans (created_at DESC, id DESC);
CREATE INDEX loans_status_idx ON loans (status, created_at DESC, id DESC);
CREATE INDEX loans_borrower_id_idx ON loans (borrower_id);
CREATE INDEX loans_officer_id_idx ON loans (officer_id);
CREATE INDEX loans_approved_by_idx ON loans (approved_by);
