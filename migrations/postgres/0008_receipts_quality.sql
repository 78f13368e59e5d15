-- What a job leaves behind and what is learned from it, as in the SQLite schema: the parts
-- list, the files that reached the server for each job, receipt e-mails, the customers'
-- tracking links, and the monthly review's improvement actions.
CREATE TABLE parts (
    part_number  TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    doc          JSONB NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE blob_jobs (
    sha256         TEXT NOT NULL,
    work_order_id  UUID NOT NULL REFERENCES work_orders (id),
    uploaded_by    UUID,
    at             TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (sha256, work_order_id)
);

CREATE TABLE receipt_mail (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_order_id UUID NOT NULL REFERENCES work_orders (id),
    recipient     TEXT NOT NULL,
    sent_at       TIMESTAMPTZ NOT NULL,
    -- NULL when the SMTP server accepted the message.
    error         TEXT
);

CREATE TABLE tracking_links (
    token          TEXT PRIMARY KEY,
    work_order_id  UUID NOT NULL UNIQUE REFERENCES work_orders (id),
    created_at     TIMESTAMPTZ NOT NULL
);

-- The customer link finds its work order by the receipt's token.
CREATE UNIQUE INDEX work_orders_receipt_token ON work_orders ((doc->'receipt'->>'token'))
    WHERE doc->'receipt'->>'token' IS NOT NULL;

CREATE TABLE improvement_actions (
    id          UUID PRIMARY KEY,
    status      TEXT NOT NULL,
    due         DATE NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL,
    doc         JSONB NOT NULL
);
CREATE INDEX improvement_actions_due ON improvement_actions (due);
