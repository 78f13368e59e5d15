-- The notification outbox: what a change of a job tells the customer, one row per channel,
-- written in the transaction of the change itself so that nothing told is lost and nothing is
-- told twice for one change (the unique key). The worker claims due rows (`sending`, with a
-- lease in `due_at`), sends them, and marks them sent, or pending again with a back-off, or
-- dead after the last attempt; the desk resends dead ones.
CREATE TABLE deliveries (
    id             TEXT PRIMARY KEY,
    work_order_id  TEXT NOT NULL,
    version        INTEGER NOT NULL,
    event          TEXT NOT NULL,
    channel        TEXT NOT NULL,
    recipient      TEXT NOT NULL,
    language       TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'dead', 'skipped')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    due_at         TEXT NOT NULL,
    last_error     TEXT,
    sent_at        TEXT,
    created_at     TEXT NOT NULL,
    UNIQUE (work_order_id, version, event, channel)
);
CREATE INDEX deliveries_due ON deliveries (state, due_at);
CREATE INDEX deliveries_job ON deliveries (work_order_id);
