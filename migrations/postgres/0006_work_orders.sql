-- Work orders' own tables and what a work order's write touches in the same transaction, as
-- in the SQLite schema: the history, intake idempotency and held requests, the KPI facts
-- (with the survey and QA review they read), the notification outbox and staff notices, and
-- the articles whose "did this help?" answers a job carries.
CREATE TABLE work_order_history (
    work_order_id  UUID NOT NULL REFERENCES work_orders (id),
    version        BIGINT NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL,
    doc            JSONB NOT NULL,
    PRIMARY KEY (work_order_id, version)
);
CREATE FUNCTION work_order_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'work order history is append-only';
END
$$;
CREATE TRIGGER work_order_history_append_only BEFORE UPDATE OR DELETE ON work_order_history
    FOR EACH ROW EXECUTE FUNCTION work_order_history_append_only();

-- One work order per (channel, idempotency key), however often a channel retries.
CREATE TABLE intake_requests (
    channel          TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    work_order_id    UUID NOT NULL REFERENCES work_orders (id),
    created_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (channel, idempotency_key)
);

-- Requests from outside channels that matched a customer on file, held for the desk.
CREATE TABLE pending_intakes (
    id              UUID PRIMARY KEY,
    channel         TEXT NOT NULL,
    idempotency_key TEXT,
    state           TEXT NOT NULL CHECK (state IN ('waiting', 'filed', 'rejected')),
    received_at     TIMESTAMPTZ NOT NULL,
    doc             JSONB NOT NULL,
    UNIQUE (channel, idempotency_key)
);
CREATE INDEX pending_intakes_waiting ON pending_intakes (state, received_at);

CREATE TABLE surveys (
    work_order_id     UUID PRIMARY KEY REFERENCES work_orders (id),
    source            TEXT NOT NULL,
    csat              INTEGER NOT NULL CHECK (csat BETWEEN 1 AND 5),
    nps               INTEGER NOT NULL CHECK (nps BETWEEN 0 AND 10),
    effort            INTEGER NOT NULL CHECK (effort BETWEEN 1 AND 7),
    fixed             BOOLEAN NOT NULL,
    first_answered_at TIMESTAMPTZ NOT NULL,
    answered_at       TIMESTAMPTZ NOT NULL,
    doc               JSONB NOT NULL
);
CREATE INDEX surveys_answered ON surveys (answered_at);

CREATE TABLE qa_reviews (
    work_order_id UUID PRIMARY KEY REFERENCES work_orders (id),
    engineer_id   UUID NOT NULL REFERENCES engineers (id),
    week          TEXT NOT NULL,
    percent       DOUBLE PRECISION NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    doc           JSONB NOT NULL
);
CREATE INDEX qa_reviews_engineer ON qa_reviews (engineer_id, week);
CREATE INDEX qa_reviews_week ON qa_reviews (week);

-- One row per work order with core's JobFacts; `day` (the local day it finished) is null until
-- it has finished.
CREATE TABLE job_facts (
    work_order_id        UUID PRIMARY KEY REFERENCES work_orders (id),
    day                  DATE,
    number               TEXT NOT NULL,
    machine              TEXT NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    finished_at          TIMESTAMPTZ,
    engineer_id          UUID,
    region               TEXT NOT NULL,
    category             TEXT NOT NULL,
    model                TEXT,
    channel              TEXT NOT NULL,
    first_visit_fix      BOOLEAN NOT NULL,
    reworked             BOOLEAN NOT NULL DEFAULT FALSE,
    visits               INTEGER NOT NULL,
    first_contact        BOOLEAN NOT NULL,
    respond_secs         BIGINT,
    arrive_secs          BIGINT,
    resolve_secs         BIGINT,
    respond_on_time      BOOLEAN,
    arrive_on_time       BOOLEAN,
    resolve_on_time      BOOLEAN,
    on_site_minutes      BIGINT NOT NULL,
    travel_minutes       BIGINT NOT NULL,
    parts_at_first_visit BOOLEAN,
    cost_minor           BIGINT NOT NULL,
    fault_code           TEXT,
    cause_code           TEXT,
    csat                 INTEGER,
    nps                  INTEGER,
    effort               INTEGER,
    qa_percent           DOUBLE PRECISION,
    complaints           INTEGER NOT NULL DEFAULT 0,
    -- An article was opened from the job and answered.
    guided               BOOLEAN NOT NULL DEFAULT FALSE,
    cancelled            BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX job_facts_day ON job_facts (day) WHERE day IS NOT NULL;
CREATE INDEX job_facts_engineer_day ON job_facts (engineer_id, day);
CREATE INDEX job_facts_machine ON job_facts (machine, created_at);
CREATE INDEX job_facts_model ON job_facts (model, day);

-- The notification outbox: one row per (change, event, channel, recipient).
CREATE TABLE deliveries (
    id             UUID PRIMARY KEY,
    subject        TEXT NOT NULL CHECK (subject IN ('work_order', 'complaint')),
    subject_id     UUID NOT NULL,
    version        BIGINT NOT NULL,
    event          TEXT NOT NULL,
    channel        TEXT NOT NULL,
    recipient      TEXT NOT NULL,
    language       TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'dead', 'skipped')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    due_at         TIMESTAMPTZ NOT NULL,
    last_error     TEXT,
    sent_at        TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (subject, subject_id, version, event, channel, recipient)
);
CREATE INDEX deliveries_due ON deliveries (state, due_at);
CREATE INDEX deliveries_subject ON deliveries (subject_id);

-- In-app notices to staff (a job assigned to them, a complaint escalated to their role).
CREATE TABLE staff_notices (
    id             UUID PRIMARY KEY,
    user_id        UUID NOT NULL REFERENCES users (id),
    kind           TEXT NOT NULL,
    work_order_id  UUID,
    complaint_id   UUID,
    number         TEXT NOT NULL,
    summary        TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    read_at        TIMESTAMPTZ,
    CHECK ((work_order_id IS NULL) <> (complaint_id IS NULL))
);
CREATE INDEX staff_notices_user ON staff_notices (user_id, read_at, created_at);

-- Knowledge-base articles as documents; their search index comes with the knowledge store.
CREATE TABLE articles (
    id          UUID PRIMARY KEY,
    kind        TEXT NOT NULL,
    language    TEXT NOT NULL,
    state       TEXT NOT NULL,
    audience    TEXT NOT NULL,
    title       TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL,
    doc         JSONB NOT NULL
);
