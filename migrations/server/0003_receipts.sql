-- Photos and receipts: device keys that seal receipts, the server's own seal key, receipt links,
-- and the e-mail log. Blob bytes live in files named by their SHA-256 (see server/src/blobs.rs).

-- An engineer's device registers its Ed25519 public key; a receipt sealed with a key not listed
-- here does not verify.
CREATE TABLE device_keys (
    public_key    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    registered_at TEXT NOT NULL
);

-- The key the server seals receipts with when it makes them itself (the browser variant).
CREATE TABLE server_seal_key (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL
);

-- The customer link finds its work order by the receipt token.
CREATE UNIQUE INDEX work_orders_receipt_token
    ON work_orders (json_extract(doc, '$.receipt.token'))
    WHERE json_extract(doc, '$.receipt.token') IS NOT NULL;

CREATE TABLE receipt_mail (
    id            INTEGER PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    recipient     TEXT NOT NULL,
    sent_at       TEXT NOT NULL,
    -- NULL when the SMTP server accepted the message.
    error         TEXT
);
