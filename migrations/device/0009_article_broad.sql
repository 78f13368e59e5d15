-- Broad words' first pages (kept the same as the server's 0028). A word in thousands of
-- articles (漏水, 异响, a part's name) made FTS5 rank every one of them per search; the page a
-- search for that word alone finds is worked out when the index is tidied and forgotten at
-- any change to the index (fixline_kb::refresh_broad_words).
CREATE VIRTUAL TABLE article_grams_vocab USING fts5vocab (article_grams, 'row');
CREATE TABLE article_broad (word TEXT PRIMARY KEY, rowids TEXT NOT NULL) WITHOUT ROWID;
