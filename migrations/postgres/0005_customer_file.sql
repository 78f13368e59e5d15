-- The customer file, as in the SQLite schema (server migrations 0001, 0002, 0007): customers,
-- contacts, sites and assets as documents with the columns lists and searches need, the file's
-- append-only edit history, and the work orders table the file lists (the work-order store's
-- own tables follow with it).
CREATE TABLE customers (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    phone       TEXT,
    version     BIGINT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    doc         JSONB NOT NULL,
    -- The order records were added in (the CSV export is read back in it).
    added       BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX customers_name ON customers (name, id);
CREATE INDEX customers_phone ON customers (phone);

CREATE TABLE contacts (
    id           UUID PRIMARY KEY,
    customer_id  UUID NOT NULL REFERENCES customers (id),
    phone        TEXT,
    version      BIGINT NOT NULL,
    doc          JSONB NOT NULL,
    added        BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX contacts_customer ON contacts (customer_id);
CREATE INDEX contacts_phone ON contacts (phone);

CREATE TABLE sites (
    id           UUID PRIMARY KEY,
    customer_id  UUID NOT NULL REFERENCES customers (id),
    region       TEXT NOT NULL,
    version      BIGINT NOT NULL,
    doc          JSONB NOT NULL,
    added        BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX sites_customer ON sites (customer_id);

CREATE TABLE assets (
    id           UUID PRIMARY KEY,
    customer_id  UUID NOT NULL REFERENCES customers (id),
    site_id      UUID NOT NULL REFERENCES sites (id),
    serial       TEXT NOT NULL,
    model        TEXT NOT NULL,
    version      BIGINT NOT NULL,
    doc          JSONB NOT NULL,
    added        BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX assets_customer ON assets (customer_id);
CREATE INDEX assets_serial ON assets (lower(serial));
CREATE INDEX assets_model ON assets (model);

-- Who changed what in a customer file (a `FileEdit` document per edit). Append-only.
CREATE TABLE customer_file_edits (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id  UUID NOT NULL REFERENCES customers (id),
    at           TIMESTAMPTZ NOT NULL,
    doc          JSONB NOT NULL
);
CREATE INDEX customer_file_edits_by_customer ON customer_file_edits (customer_id, seq);

CREATE FUNCTION customer_file_edits_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'customer file edits are append-only';
END
$$;
CREATE TRIGGER customer_file_edits_append_only BEFORE UPDATE OR DELETE ON customer_file_edits
    FOR EACH ROW EXECUTE FUNCTION customer_file_edits_append_only();

CREATE TABLE work_orders (
    id           UUID PRIMARY KEY,
    number_seq   BIGINT NOT NULL UNIQUE,
    customer_id  UUID NOT NULL REFERENCES customers (id),
    site_id      UUID NOT NULL REFERENCES sites (id),
    region       TEXT NOT NULL,
    status       TEXT NOT NULL,
    priority     TEXT NOT NULL,
    assignee     UUID REFERENCES engineers (id),
    channel      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    -- Lower-cased number, symptom, customer name and address, for text search.
    search_text  TEXT NOT NULL,
    version      BIGINT NOT NULL,
    doc          JSONB NOT NULL
);
CREATE INDEX work_orders_assignee_status ON work_orders (assignee, status);
CREATE INDEX work_orders_status_priority ON work_orders (status, priority);
CREATE INDEX work_orders_customer ON work_orders (customer_id, created_at);
CREATE INDEX work_orders_created ON work_orders (created_at);
