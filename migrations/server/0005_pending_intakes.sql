-- Requests from outside channels (the public web form, a partner's API) that matched a customer
-- already on file: held here until the desk files them (confirming the match or making a new
-- customer) or turns them down. Nothing is attached to the customer's file before that.
CREATE TABLE pending_intakes (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL,
    idempotency_key TEXT,
    state           TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    doc             TEXT NOT NULL,
    UNIQUE (channel, idempotency_key)
);
CREATE INDEX pending_intakes_waiting ON pending_intakes (state, received_at);
