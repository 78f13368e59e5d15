-- Printing on site: the default printer and the print queue. A job's bytes are kept until it
-- printed, so a reprint never needs the receipt made again. A job found `sending` when the app
-- starts was cut off: it becomes `interrupted` and the engineer decides whether to reprint.
CREATE TABLE printer (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    doc  TEXT NOT NULL
);

CREATE TABLE print_jobs (
    id             TEXT PRIMARY KEY,
    work_order_id  TEXT NOT NULL,
    printer        TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'printed', 'failed', 'interrupted')),
    bytes          BLOB NOT NULL,
    sent           INTEGER NOT NULL DEFAULT 0,
    attempts       INTEGER NOT NULL DEFAULT 0,
    error          TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX print_jobs_state ON print_jobs (state, created_at);
