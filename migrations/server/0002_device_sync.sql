-- Device sync and repair guides.

-- The model of an asset, to find the guides a device needs.
ALTER TABLE assets ADD COLUMN model TEXT NOT NULL DEFAULT '';
UPDATE assets SET model = json_extract(doc, '$.model');
CREATE INDEX assets_model ON assets (model);

CREATE TABLE guides (
    id          TEXT PRIMARY KEY,
    model       TEXT NOT NULL,
    language    TEXT NOT NULL,
    title       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX guides_model ON guides (model);

-- Every action a device pushed, by its device-made id, with what became of it: a repeated push
-- gets the same answer and is never applied twice.
CREATE TABLE device_actions (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id),
    work_order_id  TEXT NOT NULL,
    acted_at       TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    outcome        TEXT NOT NULL
);

-- Offline actions that clashed with the desk, shown to the dispatcher and the engineer.
CREATE TABLE sync_conflicts (
    id             TEXT PRIMARY KEY,
    action_id      TEXT NOT NULL UNIQUE REFERENCES device_actions (id),
    work_order_id  TEXT NOT NULL REFERENCES work_orders (id),
    engineer_id    TEXT,
    recorded_at    TEXT NOT NULL,
    doc            TEXT NOT NULL
);
CREATE INDEX sync_conflicts_engineer ON sync_conflicts (engineer_id, recorded_at);
