-- The fault, cause and resolution codes as last synced from the server, so the completion
-- form offers the administrator's lists offline. No row: the lists built into the app.
CREATE TABLE code_book (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    doc  TEXT NOT NULL
);
