-- Complaints, as in the SQLite schema: one document each with the columns the inbox sorts by;
-- `seq` numbers them (CP-000001) in the order they were made.
CREATE TABLE complaints (
    id              UUID PRIMARY KEY,
    seq             BIGINT NOT NULL UNIQUE,
    number          TEXT NOT NULL UNIQUE,
    customer_id     UUID NOT NULL REFERENCES customers (id),
    status          TEXT NOT NULL,
    escalation      TEXT NOT NULL,
    owner           UUID,
    acknowledge_by  TIMESTAMPTZ NOT NULL,
    resolve_by      TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    version         BIGINT NOT NULL,
    doc             JSONB NOT NULL
);
CREATE INDEX complaints_open ON complaints (status, resolve_by);
CREATE INDEX complaints_customer ON complaints (customer_id, seq);
