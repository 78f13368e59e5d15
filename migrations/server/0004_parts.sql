-- The parts list engineers pick from: part number, name, list price, whether each piece has a
-- serial number to record.
CREATE TABLE parts (
    part_number     TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    doc             TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
