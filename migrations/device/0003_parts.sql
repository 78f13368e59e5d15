-- The parts list as the server last sent it, for picking parts offline.
CREATE TABLE parts (
    part_number  TEXT PRIMARY KEY,
    doc          TEXT NOT NULL
);
