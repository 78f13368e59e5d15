-- What members of staff are told in the app (the bell): a job given to an engineer, a
-- complaint escalated to a level or handed to someone. Written in the transaction of the change
-- that caused it, one row per user told; read when the user opens it.
CREATE TABLE staff_notices (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id),
    kind           TEXT NOT NULL,
    work_order_id  TEXT,
    complaint_id   TEXT,
    number         TEXT NOT NULL,
    summary        TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    read_at        TEXT,
    CHECK ((work_order_id IS NULL) <> (complaint_id IS NULL))
);
CREATE INDEX staff_notices_user ON staff_notices (user_id, read_at, created_at);
