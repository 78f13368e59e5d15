-- Where the engineer is, for the customer waiting for them: reported only while a job is on
-- the way (core's `tracking::worth_reporting`). Only the newest position matters, so each table
-- holds one: the fix waiting for the next sync, and the last one the server took.
CREATE TABLE position_pending (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    doc  TEXT NOT NULL
);
CREATE TABLE position_sent (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    doc  TEXT NOT NULL
);
