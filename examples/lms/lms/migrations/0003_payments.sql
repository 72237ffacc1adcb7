-- Repayments. A payment is in its loan's currency: the foreign key names
-- both, so no other currency can be stored against a loan.
CREATE TABLE payments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id     bigint NOT NULL,
    amount      bigint NOT NULL CHECK (amount BETWEEN 1 AND 10000000000000),
    currency    char(3) NOT NULL,
    paid_at     timestamptz NOT NULL DEFAULT now(),
    recorded_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (loan_id, currency) REFERENCES loans (id, currency) ON DELETE RESTRICT
);
CREATE INDEX payments_loan_id_idx ON payments (loan_id, paid_at DESC, id DESC);
CREATE INDEX payments_recorded_by_idx ON payments (recorded_by);
