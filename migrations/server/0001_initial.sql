-- Fixline dispatch server, first schema.
-- Each aggregate is stored as its JSON document (`doc`, the core type serialised) plus the
-- columns the server filters, joins and indexes on. Times are RFC 3339 UTC text with a fixed
-- number of digits, so text order is time order. Append-only: never edit a landed migration.

CREATE TABLE engineers (
    id          TEXT PRIMARY KEY,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    doc         TEXT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('engineer', 'dispatcher', 'service_manager', 'complaint_handler', 'admin')),
    engineer_id   TEXT UNIQUE REFERENCES engineers (id),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    CHECK ((role = 'engineer') = (engineer_id IS NOT NULL))
);

-- Bearer tokens, stored only as SHA-256 of the token.
CREATE TABLE sessions (
    token_hash  BLOB PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    phone       TEXT,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX customers_name ON customers (name);
CREATE INDEX customers_phone ON customers (phone);

CREATE TABLE contacts (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    phone        TEXT,
    version      INTEGER NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX contacts_customer ON contacts (customer_id);
CREATE INDEX contacts_phone ON contacts (phone);

CREATE TABLE sites (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    region       TEXT NOT NULL,
    version      INTEGER NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX sites_customer ON sites (customer_id);

CREATE TABLE assets (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    site_id      TEXT NOT NULL REFERENCES sites (id),
    serial       TEXT NOT NULL,
    version      INTEGER NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX assets_customer ON assets (customer_id);
CREATE INDEX assets_serial ON assets (serial);

CREATE TABLE work_orders (
    id           TEXT PRIMARY KEY,
    number_seq   INTEGER NOT NULL UNIQUE,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    site_id      TEXT NOT NULL REFERENCES sites (id),
    region       TEXT NOT NULL,
    status       TEXT NOT NULL,
    priority     TEXT NOT NULL,
    assignee     TEXT REFERENCES engineers (id),
    channel      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    -- Lower-cased number, symptom, customer name and address, for text search.
    search_text  TEXT NOT NULL,
    version      INTEGER NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX work_orders_assignee_status ON work_orders (assignee, status);
CREATE INDEX work_orders_status_priority ON work_orders (status, priority);
CREATE INDEX work_orders_customer ON work_orders (customer_id, created_at);
CREATE INDEX work_orders_created ON work_orders (created_at);

-- Who did what, when: one row per work-order version, never changed.
CREATE TABLE work_order_history (
    work_order_id  TEXT NOT NULL REFERENCES work_orders (id),
    version        INTEGER NOT NULL,
    at             TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    doc            TEXT NOT NULL,
    PRIMARY KEY (work_order_id, version)
);
CREATE TRIGGER work_order_history_no_update BEFORE UPDATE ON work_order_history
BEGIN SELECT RAISE(ABORT, 'work order history is append-only'); END;
CREATE TRIGGER work_order_history_no_delete BEFORE DELETE ON work_order_history
BEGIN SELECT RAISE(ABORT, 'work order history is append-only'); END;

-- Every change, in commit order: what live status and device sync read.
CREATE TABLE changes (
    seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
    at                    TEXT NOT NULL,
    entity                TEXT NOT NULL,
    entity_id             TEXT NOT NULL,
    op                    TEXT NOT NULL,
    version               INTEGER,
    engineer_id           TEXT,
    previous_engineer_id  TEXT,
    region                TEXT,
    data                  TEXT NOT NULL
);
CREATE INDEX changes_engineer ON changes (engineer_id, seq);

-- API keys of intake channels, stored only as SHA-256.
CREATE TABLE intake_keys (
    key_hash    BLOB PRIMARY KEY,
    channel     TEXT NOT NULL,
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- One work order per (channel, idempotency key), however often a channel retries.
CREATE TABLE intake_requests (
    channel          TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    work_order_id    TEXT NOT NULL REFERENCES work_orders (id),
    created_at       TEXT NOT NULL,
    PRIMARY KEY (channel, idempotency_key)
);
