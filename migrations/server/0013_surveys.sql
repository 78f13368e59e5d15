-- Surveys (服务回访): one per work order, the latest answer as a JSON document, with the
-- scores as columns for the return-visit list and the KPIs.
CREATE TABLE surveys (
    work_order_id TEXT PRIMARY KEY REFERENCES work_orders(id),
    source TEXT NOT NULL,
    csat INTEGER NOT NULL CHECK (csat BETWEEN 1 AND 5),
    nps INTEGER NOT NULL CHECK (nps BETWEEN 0 AND 10),
    effort INTEGER NOT NULL CHECK (effort BETWEEN 1 AND 7),
    fixed INTEGER NOT NULL,
    first_answered_at TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX surveys_answered ON surveys (answered_at);
