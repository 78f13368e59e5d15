-- The knowledge base's images and customers' reads (the search index is each server's own,
-- rebuilt from `articles`: see server/src/store/postgres/search.rs).

-- The images each article shows (in its draft or published copy), to decide who may load one.
CREATE TABLE article_images (
    sha256      TEXT NOT NULL,
    article_id  UUID NOT NULL REFERENCES articles (id),
    -- Shown by the published copy, and that copy is public.
    published   BOOLEAN NOT NULL,
    public      BOOLEAN NOT NULL,
    PRIMARY KEY (sha256, article_id)
);

-- What customers read at /help and beside the request form, by an anonymous visitor token the
-- page makes; a request sent with the same token marks the reads that came before it.
CREATE TABLE help_reads (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    visitor     TEXT NOT NULL,
    article_id  UUID NOT NULL REFERENCES articles (id),
    read_at     TIMESTAMPTZ NOT NULL,
    request_id  UUID
);
CREATE INDEX help_reads_visitor ON help_reads (visitor) WHERE request_id IS NULL;
CREATE INDEX help_reads_article ON help_reads (article_id);
CREATE INDEX articles_updated ON articles (updated_at DESC, id);
