-- Notices about a complaint as well as about a job: each delivery is about one subject
-- (`work_order` or `complaint`) and its id. SQLite cannot change a table's unique key in
-- place, so the outbox is rebuilt with the same rows, every existing one about a work order.
-- The key is one notice per subject, version, event, channel and recipient: a customer has one
-- address per channel, and an integration's channel (webhooks) will have several recipients.
CREATE TABLE deliveries_next (
    id             TEXT PRIMARY KEY,
    subject        TEXT NOT NULL CHECK (subject IN ('work_order', 'complaint')),
    subject_id     TEXT NOT NULL,
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
    UNIQUE (subject, subject_id, version, event, channel, recipient)
);
INSERT INTO deliveries_next
    (id, subject, subject_id, version, event, channel, recipient, language, state, attempts,
     due_at, last_error, sent_at, created_at)
SELECT id, 'work_order', work_order_id, version, event, channel, recipient, language, state,
       attempts, due_at, last_error, sent_at, created_at
FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_next RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, due_at);
CREATE INDEX deliveries_subject ON deliveries (subject_id);
