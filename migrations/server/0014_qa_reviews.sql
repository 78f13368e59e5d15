-- Quality reviews (质量控制): one scorecard per reviewed job, kept per engineer and week.
CREATE TABLE qa_reviews (
    work_order_id TEXT PRIMARY KEY REFERENCES work_orders(id),
    engineer_id TEXT NOT NULL REFERENCES engineers(id),
    week TEXT NOT NULL,
    percent REAL NOT NULL,
    at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX qa_reviews_engineer ON qa_reviews (engineer_id, week);
CREATE INDEX qa_reviews_week ON qa_reviews (week);
