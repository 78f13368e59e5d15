-- The knowledge base: articles (repair guides, FAQs, policies, safety notes) with a draft and a
-- published copy, searched by FTS5 on the published copy. The old per-model guides are moved
-- into articles when the server starts (their inline images become blobs, which SQL cannot
-- write); the `guides` table stays until then.

CREATE TABLE articles (
    id          TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    language    TEXT NOT NULL,
    -- 'draft' (never published) or 'published' (perhaps with a newer draft).
    state       TEXT NOT NULL,
    -- Of the published copy; '' while unpublished.
    audience    TEXT NOT NULL,
    -- Of the working copy, for the desk's list.
    title       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX articles_state ON articles (state, kind);

-- Search: trigrams of every column (Chinese substrings), and two-character grams of the title,
-- symptoms, codes and models for words too short for trigrams. Rows share the article's rowid.
-- Kept the same as the device's (fixline-kb reads and writes both).
CREATE VIRTUAL TABLE article_text USING fts5 (
    title, symptoms, codes, models, body,
    lang UNINDEXED, audience UNINDEXED, kind UNINDEXED, boost UNINDEXED,
    tokenize = 'trigram'
);
-- How many articles hold each trigram, for the typo fallback's choice of rare ones.
CREATE VIRTUAL TABLE article_vocab USING fts5vocab (article_text, 'row');
CREATE VIRTUAL TABLE article_grams USING fts5 (grams, tokenize = "unicode61 tokenchars '#'");

-- The images each article shows (in its draft or published copy), to decide who may load one.
CREATE TABLE article_images (
    sha256      TEXT NOT NULL,
    article_id  TEXT NOT NULL REFERENCES articles (id),
    -- Shown by the published copy, and that copy is public.
    published   INTEGER NOT NULL,
    public      INTEGER NOT NULL,
    PRIMARY KEY (sha256, article_id)
);

-- What customers read at /help and beside the request form, by an anonymous visitor token the
-- page makes; a request sent with the same token marks the reads that came before it.
CREATE TABLE help_reads (
    id          INTEGER PRIMARY KEY,
    visitor     TEXT NOT NULL,
    article_id  TEXT NOT NULL REFERENCES articles (id),
    read_at     TEXT NOT NULL,
    request_id  TEXT
);
CREATE INDEX help_reads_visitor ON help_reads (visitor);
CREATE INDEX help_reads_article ON help_reads (article_id);

-- Past fixes beside a job: finished jobs on the same model, newest first.
CREATE INDEX job_facts_model ON job_facts (model, day);

UPDATE changes SET entity = 'article' WHERE entity = 'guide';
