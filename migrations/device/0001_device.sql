-- Fixline engineer app: the device's own database. It holds the signed-in engineer's scope
-- (jobs, customer files, guides, colleagues) as the server last sent it, and the outbox of
-- actions taken on the device that the server has not yet answered.
-- Append-only: never edit a landed migration.

-- The one signed-in user of this device.
CREATE TABLE session (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    server_url    TEXT NOT NULL,
    token         TEXT NOT NULL,
    user          TEXT NOT NULL,
    signed_in_at  TEXT NOT NULL
);

-- Where this device is in the server's data, and how the last sync went.
CREATE TABLE sync_state (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    cursor           TEXT,
    last_sync_at     TEXT,
    last_attempt_at  TEXT,
    last_error       TEXT
);
INSERT INTO sync_state (id) VALUES (1);

-- Jobs: the server's copy, and the copy shown (the server's with pending actions applied).
CREATE TABLE work_orders (
    id              TEXT PRIMARY KEY,
    server_doc      TEXT,
    server_version  INTEGER NOT NULL DEFAULT 0,
    doc             TEXT NOT NULL,
    status          TEXT NOT NULL,
    -- Set when the job left this engineer while actions on it were still pending.
    removed_reason  TEXT
);

CREATE TABLE customer_files (
    id   TEXT PRIMARY KEY,
    doc  TEXT NOT NULL
);

CREATE TABLE guides (
    id     TEXT PRIMARY KEY,
    model  TEXT NOT NULL,
    doc    TEXT NOT NULL
);
CREATE INDEX guides_model ON guides (model);

CREATE TABLE colleagues (
    id   TEXT PRIMARY KEY,
    doc  TEXT NOT NULL
);

-- Every action taken on this device, written in the same transaction as its local effect.
-- `pending` until the server answers; then `applied`, `conflict` or `rejected`, kept as the
-- engineer's receipt of what happened to it.
CREATE TABLE outbox (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    work_order_id    TEXT NOT NULL,
    doc              TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'conflict', 'rejected')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    last_error       TEXT,
    outcome          TEXT,
    created_at       TEXT NOT NULL,
    settled_at       TEXT
);
CREATE INDEX outbox_state ON outbox (state, seq);

-- Conflicts the server reported for this engineer's offline work.
CREATE TABLE conflicts (
    id             TEXT PRIMARY KEY,
    work_order_id  TEXT NOT NULL,
    doc            TEXT NOT NULL,
    seen           INTEGER NOT NULL DEFAULT 0
);
