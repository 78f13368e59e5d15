-- Complaints (投诉): one JSON document per complaint, with the columns the inbox sorts and
-- filters by. `seq` numbers them (CP-000001) in the order they were received.
CREATE TABLE complaints (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    number TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    status TEXT NOT NULL,
    escalation TEXT NOT NULL,
    owner TEXT,
    acknowledge_by TEXT NOT NULL,
    resolve_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX complaints_open ON complaints (status, resolve_by);
CREATE INDEX complaints_customer ON complaints (customer_id);
