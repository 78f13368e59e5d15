-- Who changed what in a customer file: one row per edit of the customer, a contact, a site or
-- an asset, with the fields it changed before and after (a `FileEdit` document). Append-only.
CREATE TABLE customer_file_edits (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    at           TEXT NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX customer_file_edits_by_customer ON customer_file_edits (customer_id, seq);

CREATE TRIGGER customer_file_edits_append_only_update BEFORE UPDATE ON customer_file_edits
BEGIN SELECT RAISE(ABORT, 'customer file edits are append-only'); END;
CREATE TRIGGER customer_file_edits_append_only_delete BEFORE DELETE ON customer_file_edits
BEGIN SELECT RAISE(ABORT, 'customer file edits are append-only'); END;
