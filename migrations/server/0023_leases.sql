-- Periodic work (the late-job watcher, the complaint deadline watcher) runs once across all
-- servers on one database: a server runs a task only while it holds the task's lease, taken
-- when free or expired and renewed by its holder on each tick.
CREATE TABLE leases (
    task       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
