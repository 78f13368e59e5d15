-- Improvement actions (改进措施): what the service review decided, who does it, by when, the KPI
-- it should move, and what became of it. The review pack lists them; the next review shows each.
CREATE TABLE improvement_actions (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    due TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX improvement_actions_due ON improvement_actions (due);
