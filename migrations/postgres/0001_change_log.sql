-- The change log on PostgreSQL. Sequence numbers come from one counter row that every writing
-- transaction updates as its last statement: the row's lock makes log writers take numbers
-- one at a time, and the next writer gets one only after the holder commits (or rolls back,
-- giving its number back). So numbers are committed in the order they are handed out, without
-- gaps, and a reader who has seen 105 never later finds 104 — which a SEQUENCE does not give:
-- its numbers are handed out in one order and committed in another.
CREATE TABLE change_counter (
    one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    seq BIGINT NOT NULL
);
INSERT INTO change_counter (seq) VALUES (0);

CREATE TABLE changes (
    seq                  BIGINT PRIMARY KEY,
    at                   TIMESTAMPTZ NOT NULL,
    entity               TEXT NOT NULL,
    entity_id            UUID NOT NULL,
    op                   TEXT NOT NULL,
    version              BIGINT,
    engineer_id          UUID,
    previous_engineer_id UUID,
    region               TEXT,
    data                 JSONB NOT NULL
);
