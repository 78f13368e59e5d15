-- Latin words indexed whole, by their stem (Porter's), beside the trigrams (kept the same as
-- the server's 0025). A long English word is many trigrams that must line up in every article
-- holding them, which made a common English word cost milliseconds per search on a large
-- base; this index answers it from one list per word (leaking finds leaks).
-- Contentless (the text is in article_text); letters and digits only, so Chinese runs, which
-- the trigrams and grams serve, are not words here.
CREATE VIRTUAL TABLE article_words USING fts5 (
    title, symptoms, codes, models, body,
    content = '', contentless_delete = 1,
    tokenize = "porter unicode61 remove_diacritics 2 categories 'Lu Ll Lt Nd'"
);
INSERT INTO article_words (rowid, title, symptoms, codes, models, body)
    SELECT rowid, title, symptoms, codes, models, body FROM article_text;

-- The Latin words articles use, as written, for the typo correction (leeking → leaking).
-- A word stays when its articles go; a stale one only suggests a word that finds nothing.
CREATE TABLE article_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
-- Filled from the articles already here, through a scratch index that lists their words.
CREATE VIRTUAL TABLE scratch_words USING fts5 (
    text, content = '', tokenize = "unicode61 remove_diacritics 2 categories 'Lu Ll Lt Nd'"
);
INSERT INTO scratch_words (rowid, text)
    SELECT rowid, title || ' ' || symptoms || ' ' || body FROM article_text;
CREATE VIRTUAL TABLE scratch_words_vocab USING fts5vocab (scratch_words, 'row');
INSERT INTO article_terms
    SELECT term FROM scratch_words_vocab WHERE length(term) >= 3 AND term NOT GLOB '*[^a-z]*';
DROP TABLE scratch_words_vocab;
DROP TABLE scratch_words;
