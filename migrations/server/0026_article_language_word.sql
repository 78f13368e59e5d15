-- An article's `language` column was written as a JSON string ("zh-CN" with its quotes); it is
-- now the plain word, as every other word column. Nothing filtered on it yet.
UPDATE articles SET language = trim(language, '"');
