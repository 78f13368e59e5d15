-- Settings the service organisation changes from its screens (automatic assignment, …): one
-- JSON document per key, versioned so two managers editing at once do not overwrite each other.
-- A key not here falls back to the settings file.
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    doc         TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
