-- Devices' pushed actions (each applied at most once, its outcome kept for a repeat) and the
-- conflicts an offline action met, as in the SQLite schema.
CREATE TABLE device_actions (
    id             UUID PRIMARY KEY,
    user_id        UUID NOT NULL REFERENCES users (id),
    work_order_id  UUID NOT NULL,
    acted_at       TIMESTAMPTZ NOT NULL,
    received_at    TIMESTAMPTZ NOT NULL,
    outcome        JSONB NOT NULL,
    digest         TEXT
);

CREATE TABLE sync_conflicts (
    id             UUID PRIMARY KEY,
    action_id      UUID NOT NULL UNIQUE REFERENCES device_actions (id),
    work_order_id  UUID NOT NULL REFERENCES work_orders (id),
    engineer_id    UUID,
    recorded_at    TIMESTAMPTZ NOT NULL,
    doc            JSONB NOT NULL
);
CREATE INDEX sync_conflicts_engineer ON sync_conflicts (engineer_id, recorded_at);
CREATE INDEX changes_work_order ON changes (entity_id) WHERE entity = 'work_order';
