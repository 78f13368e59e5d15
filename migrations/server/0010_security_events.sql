-- The security log: sign-ins, failed sign-ins, lockouts, and every change an administrator
-- makes to a login. Append-only.
CREATE TABLE security_events (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    kind     TEXT NOT NULL,
    actor    TEXT,
    subject  TEXT,
    address  TEXT,
    doc      TEXT NOT NULL
);
CREATE INDEX security_events_at ON security_events (at);

CREATE TRIGGER security_events_no_update BEFORE UPDATE ON security_events
BEGIN SELECT RAISE(ABORT, 'the security log is append-only'); END;
CREATE TRIGGER security_events_no_delete BEFORE DELETE ON security_events
BEGIN SELECT RAISE(ABORT, 'the security log is append-only'); END;
