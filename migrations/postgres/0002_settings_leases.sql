-- Settings saved from the screens (versioned documents) and the leases on periodic work, as
-- in the SQLite schema.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    doc        JSONB NOT NULL,
    version    BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by UUID NOT NULL
);

CREATE TABLE leases (
    task       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
