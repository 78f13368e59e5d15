-- Photos and receipts on the device: kept here, named by their SHA-256, until the server's
-- manifest for the job lists them. The device's seal key and the server's receipt settings.
-- Append-only: never edit a landed migration.

CREATE TABLE blobs (
    sha256         TEXT PRIMARY KEY,
    work_order_id  TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('photo', 'receipt')),
    bytes          BLOB NOT NULL,
    thumbnail      BLOB,
    size           INTEGER NOT NULL,
    -- Bytes the server has acknowledged; equals size once uploaded.
    uploaded       INTEGER NOT NULL DEFAULT 0,
    -- 1 once the server's manifest for the job listed it as stored.
    confirmed      INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);
CREATE INDEX blobs_job ON blobs (work_order_id);

-- The Ed25519 secret this device seals receipts with, and the user it is registered for.
CREATE TABLE device_key (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    secret          BLOB NOT NULL,
    registered_for  TEXT
);

-- Brand, taxes and labour pricing as the server last sent them.
CREATE TABLE receipt_settings (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    doc  TEXT NOT NULL
);
