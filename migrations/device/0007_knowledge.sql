-- The knowledge base on the device: the published copy of every article the engineer may read,
-- searchable offline. Guides become articles, so the old table goes and the next pull starts
-- from a fresh snapshot (the outbox is untouched).
DROP TABLE guides;

CREATE TABLE articles (
    id   TEXT PRIMARY KEY,
    doc  TEXT NOT NULL
);

-- Search: trigrams of every column (Chinese substrings), and two-character grams of the title,
-- symptoms, codes and models for words too short for trigrams. Rows share the article's rowid.
-- Kept the same as the server's (fixline-kb reads and writes both).
CREATE VIRTUAL TABLE article_text USING fts5 (
    title, symptoms, codes, models, body,
    lang UNINDEXED, audience UNINDEXED, kind UNINDEXED, boost UNINDEXED,
    tokenize = 'trigram'
);
-- How many articles hold each trigram, for the typo fallback's choice of rare ones.
CREATE VIRTUAL TABLE article_vocab USING fts5vocab (article_text, 'row');
CREATE VIRTUAL TABLE article_grams USING fts5 (grams, tokenize = "unicode61 tokenchars '#'");

-- Images articles show, by SHA-256, fetched when an article that names them arrives.
CREATE TABLE article_images (
    sha256      TEXT PRIMARY KEY,
    media_type  TEXT NOT NULL,
    bytes       BLOB NOT NULL
);

UPDATE sync_state SET cursor = NULL;
