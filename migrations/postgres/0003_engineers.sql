-- Engineers, as in the SQLite schema: the record as a document, with the columns lists and
-- filters need.
CREATE TABLE engineers (
    id         UUID PRIMARY KEY,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    doc        JSONB NOT NULL
);
CREATE INDEX engineers_region ON engineers (region, name);
