//! The knowledge base's search index on SQLite FTS5, one implementation for the server's store
//! and the device's: what [`fixline_core::knowledge::search`] plans, run against the
//! `article_words` (Latin words), `article_text` (trigram) and `article_grams` (two-character
//! grams) tables that both databases' migrations create. Index rows share their article row's
//! `rowid`.

use fixline_core::customer::Language;
use fixline_core::knowledge::search::{self, Plan, WEIGHTS};
use fixline_core::knowledge::{Article, ArticleKind, Audience};
use rusqlite::{Connection, OptionalExtension, params};

/// The index's tables, for an index kept beside a database that has none (the server on
/// PostgreSQL keeps one per process). The SQLite databases' migrations made the same tables.
pub const SCHEMA: &str = "
CREATE VIRTUAL TABLE article_text USING fts5 (
    title, symptoms, codes, models, body,
    lang UNINDEXED, audience UNINDEXED, kind UNINDEXED, boost UNINDEXED,
    tokenize = 'trigram'
);
CREATE VIRTUAL TABLE article_vocab USING fts5vocab (article_text, 'row');
CREATE VIRTUAL TABLE article_grams USING fts5 (grams, tokenize = \"unicode61 tokenchars '#'\");
CREATE VIRTUAL TABLE article_words USING fts5 (
    title, symptoms, codes, models, body,
    content = '', contentless_delete = 1,
    tokenize = \"porter unicode61 remove_diacritics 2 categories 'Lu Ll Lt Nd'\"
);
CREATE TABLE article_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE article_grams_vocab USING fts5vocab (article_grams, 'row');
CREATE TABLE article_broad (word TEXT PRIMARY KEY, rowids TEXT NOT NULL) WITHOUT ROWID;
";

/// Which articles a reader may find, and in what language first.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Public readers see public articles only.
    pub public_only: bool,
    /// Only these kinds; empty: all.
    pub kinds: Vec<ArticleKind>,
    /// Articles in this language rank first.
    pub language: Option<Language>,
}

fn lang(l: Language) -> &'static str {
    match l {
        Language::ZhCn => "zh-CN",
        Language::En => "en",
    }
}

/// Writes an article's index rows anew: its published copy, or nothing when unpublished.
pub fn index(conn: &Connection, rowid: i64, article: &Article) -> rusqlite::Result<()> {
    unindex(conn, rowid)?;
    let Some(content) = &article.published else {
        return Ok(());
    };
    let text = search::index(content);
    conn.prepare_cached(
        "INSERT INTO article_text (rowid, title, symptoms, codes, models, body, lang, audience, kind, boost)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        rowid,
        text.title,
        text.symptoms,
        text.codes,
        text.models,
        text.body,
        lang(content.language),
        content.audience.as_str(),
        content.kind.as_str(),
        article.boost(),
    ])?;
    conn.prepare_cached("INSERT INTO article_grams (rowid, grams) VALUES (?1, ?2)")?
        .execute(params![rowid, text.grams])?;
    conn.prepare_cached(
        "INSERT INTO article_words (rowid, title, symptoms, codes, models, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        rowid,
        text.title,
        text.symptoms,
        text.codes,
        text.models,
        text.body
    ])?;
    let mut known =
        conn.prepare_cached("INSERT OR IGNORE INTO article_terms (term) VALUES (?1)")?;
    for word in search::latin_words(&text) {
        known.execute([word])?;
    }
    Ok(())
}

pub fn unindex(conn: &Connection, rowid: i64) -> rusqlite::Result<()> {
    // Any change to the index may change any broad word's first page.
    conn.prepare_cached("DELETE FROM article_broad")?
        .execute([])?;
    conn.prepare_cached("DELETE FROM article_text WHERE rowid = ?1")?
        .execute([rowid])?;
    conn.prepare_cached("DELETE FROM article_grams WHERE rowid = ?1")?
        .execute([rowid])?;
    conn.prepare_cached("DELETE FROM article_words WHERE rowid = ?1")?
        .execute([rowid])?;
    Ok(())
}

/// Merges each search table's segments into one: a search then reads each word's list once
/// instead of once per segment. Worth it after many articles arrived at once.
pub fn optimize(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "INSERT INTO article_text (article_text) VALUES ('optimize');
         INSERT INTO article_grams (article_grams) VALUES ('optimize');
         INSERT INTO article_words (article_words) VALUES ('optimize');",
    )
}

/// A word in at least this many articles is broad: FTS5 ranks every article holding it before
/// it can give the best, milliseconds on a large base.
pub const BROAD: i64 = 1_000;

/// How many of a broad word's best articles are kept (a search page's worth).
pub const BROAD_PAGE: usize = 20;

/// Broad words' first pages: for each broad word (a Latin word of the vocabulary, a
/// two-character gram), the page a search for that word alone finds, so that such a search
/// (the most common kind: 漏水, 异响, a part's name) reads one row instead of ranking thousands
/// of articles. Any change to the index forgets them all ([`unindex`]), so a page kept is
/// always the one the search would find.
///
/// This forgets the pages kept and lists the broad words; [`keep_broad_page`] then works out
/// each word's page (one at a time, so that a device can answer searches in between).
pub fn broad_words(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.execute("DELETE FROM article_broad", [])?;
    let mut broad: Vec<String> = conn
        .prepare("SELECT term FROM article_grams_vocab WHERE doc >= ?1 AND term NOT LIKE '%#%'")?
        .query_map([BROAD], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let terms: Vec<String> = conn
        .prepare("SELECT term FROM article_terms")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // Counting stops at BROAD: a rare word costs its few rows, a broad one BROAD.
    let mut held = conn.prepare(
        "SELECT count(*) FROM (SELECT 1 FROM article_words WHERE article_words MATCH ?1 LIMIT ?2)",
    )?;
    for term in terms {
        let n: i64 = held.query_row(params![format!("\"{term}\""), BROAD], |r| r.get(0))?;
        if n >= BROAD {
            broad.push(term);
        }
    }
    Ok(broad)
}

/// Works out and keeps a broad word's first page (see [`broad_words`]).
pub fn keep_broad_page(conn: &Connection, word: &str) -> rusqlite::Result<()> {
    let rowids = find(conn, word, &Scope::default(), BROAD_PAGE)?;
    if !rowids.is_empty() {
        let list: Vec<String> = rowids.iter().map(i64::to_string).collect();
        conn.prepare_cached("INSERT OR REPLACE INTO article_broad (word, rowids) VALUES (?1, ?2)")?
            .execute(params![word, list.join(",")])?;
    }
    Ok(())
}

/// The kept first page for a query of one broad word, for the plain scope and a page of at
/// most [`BROAD_PAGE`].
fn broad_page(
    conn: &Connection,
    query: &str,
    scope: &Scope,
    limit: usize,
) -> rusqlite::Result<Option<Vec<i64>>> {
    let plain = !scope.public_only && scope.kinds.is_empty() && scope.language.is_none();
    if !plain || limit > BROAD_PAGE {
        return Ok(None);
    }
    let words = search::words(query);
    let [word] = words.as_slice() else {
        return Ok(None);
    };
    let list: Option<String> = conn
        .prepare_cached("SELECT rowids FROM article_broad WHERE word = ?1")?
        .query_row([word], |r| r.get(0))
        .optional()?;
    Ok(list.map(|list| {
        list.split(',')
            .filter_map(|id| id.parse().ok())
            .take(limit)
            .collect()
    }))
}

/// The filter and order every search shares; `t` is the trigram table's alias.
const SCOPED: &str = "(?2 = 0 OR t.audience = 'public') AND (?3 = '' OR instr(?3, t.kind) > 0)";

fn kinds(scope: &Scope) -> String {
    scope
        .kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// How many of the best bm25 matches the scope, language and readers' answers then order: the
/// match itself is ranked by FTS5 alone (no stored column read per match), so a common word
/// matching thousands of articles costs what the raw query costs. A scope that filters
/// (public only, some kinds) looks deeper so it still fills a page.
fn candidates(scope: &Scope, limit: usize) -> i64 {
    let depth = if scope.public_only || !scope.kinds.is_empty() {
        50
    } else {
        5
    };
    (limit * depth).max(100) as i64
}

fn rows(
    conn: &Connection,
    sql: &str,
    expr: &str,
    scope: &Scope,
    limit: usize,
) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let language = scope.language.map(lang).unwrap_or("");
    stmt.query_map(
        params![
            expr,
            scope.public_only,
            kinds(scope),
            language,
            limit as i64,
            candidates(scope, limit)
        ],
        |r| r.get(0),
    )?
    .collect()
}

/// The best `?6` matches of `inner` (rowid and bm25 score `s`), then scoped and ordered.
fn ranked(inner: &str) -> String {
    format!(
        "SELECT t.rowid FROM ({inner}) AS top JOIN article_text t ON t.rowid = top.rowid
         WHERE {SCOPED} ORDER BY (t.lang = ?4) DESC, top.s * t.boost LIMIT ?5"
    )
}

fn trigram_sql() -> String {
    let [a, b, c, d, e] = WEIGHTS;
    ranked(&format!(
        "SELECT rowid, bm25(article_text, {a}, {b}, {c}, {d}, {e}) AS s FROM article_text
         WHERE article_text MATCH ?1 ORDER BY s LIMIT ?6"
    ))
}

fn words_sql() -> String {
    let [a, b, c, d, e] = WEIGHTS;
    ranked(&format!(
        "SELECT rowid, bm25(article_words, {a}, {b}, {c}, {d}, {e}) AS s FROM article_words
         WHERE article_words MATCH ?1 ORDER BY s LIMIT ?6"
    ))
}

fn bigram_sql() -> String {
    ranked(
        "SELECT rowid, bm25(article_grams) AS s FROM article_grams
         WHERE article_grams MATCH ?1 ORDER BY s LIMIT ?6",
    )
}

/// The rowids of the articles that best answer what someone typed, best first.
pub fn find(
    conn: &Connection,
    query: &str,
    scope: &Scope,
    limit: usize,
) -> rusqlite::Result<Vec<i64>> {
    if let Some(page) = broad_page(conn, query, scope, limit)? {
        return Ok(page);
    }
    let plan = search::plan(query);
    // Latin words: whole, then corrected (the words are known, so the word index answers),
    // and only then as substrings (compress in compressor), which costs more.
    if let Some(expr) = &plan.words {
        let found = about_first(conn, &words_sql(), expr, scope, limit)?;
        if !found.is_empty() {
            return Ok(found);
        }
        if let Some(meant) = corrected(conn, query)? {
            if let Some(page) = broad_page(conn, &meant, scope, limit)? {
                return Ok(page);
            }
            if let Some(words) = search::plan(&meant).words {
                let found = about_first(conn, &words_sql(), &words, scope, limit)?;
                if !found.is_empty() {
                    return Ok(found);
                }
            }
        }
    }
    let found = run(conn, &plan, scope, limit)?;
    if !found.is_empty() || plan.loose.is_empty() {
        return Ok(found);
    }
    match search::loose_query(&known_trigrams(conn, &plan.loose)?) {
        Some(loose) => rows(conn, &trigram_sql(), &loose, scope, limit),
        None => Ok(found),
    }
}

/// The query with each Latin word the index does not know replaced by the known word nearest
/// to it (leeking → leaking), if any was; candidates share the typed word's first letter.
fn corrected(conn: &Connection, query: &str) -> rusqlite::Result<Option<String>> {
    let mut near = conn.prepare_cached(
        "SELECT term FROM article_terms WHERE term >= ?1 AND term < ?2
         AND length(term) BETWEEN ?3 AND ?4",
    )?;
    let mut held =
        conn.prepare_cached("SELECT count(*) FROM article_words WHERE article_words MATCH ?1")?;
    let mut changed = false;
    let mut words = search::words(query);
    for word in &mut words {
        let Some(first) = word.chars().next().filter(|_| search::is_latin(word)) else {
            continue;
        };
        let next = char::from_u32(first as u32 + 1).unwrap_or(first);
        let len = word.len() as i64;
        let vocabulary: Vec<String> = near
            .query_map(
                params![first.to_string(), next.to_string(), len - 2, len + 2],
                |r| r.get(0),
            )?
            .collect::<rusqlite::Result<_>>()?;
        let nearest = search::nearest_word(word, vocabulary.iter().map(String::as_str), |w| {
            let n: i64 = held.query_row([format!("\"{w}\"")], |r| r.get(0))?;
            Ok::<_, rusqlite::Error>(n.max(0) as u64)
        })?;
        if let Some(nearest) = nearest {
            *word = nearest.to_owned();
            changed = true;
        }
    }
    Ok(changed.then(|| words.join(" ")))
}

/// How many articles hold each trigram (`article_vocab` reads the trigram index's own counts).
fn known_trigrams(
    conn: &Connection,
    words: &[Vec<String>],
) -> rusqlite::Result<Vec<Vec<(String, u64)>>> {
    let mut stmt = conn.prepare_cached("SELECT doc FROM article_vocab WHERE term = ?1")?;
    words
        .iter()
        .map(|trigrams| {
            trigrams
                .iter()
                .map(|t| {
                    let n: Option<i64> = stmt.query_row([t], |r| r.get(0)).optional()?;
                    Ok((t.clone(), n.unwrap_or(0).max(0) as u64))
                })
                .collect()
        })
        .collect()
}

/// The plan's substring search: trigrams, else grams, else one character in titles.
fn run(conn: &Connection, plan: &Plan, scope: &Scope, limit: usize) -> rusqlite::Result<Vec<i64>> {
    if let Some(expr) = &plan.trigram {
        return about_first(conn, &trigram_sql(), expr, scope, limit);
    }
    if let Some(expr) = &plan.bigram {
        return rows(conn, &bigram_sql(), expr, scope, limit);
    }
    if let Some(ch) = &plan.single {
        // One character: titles that hold it, newest index rows first; no index can help.
        let sql = format!(
            "SELECT t.rowid FROM article_text t WHERE instr(t.title, ?1) > 0 AND {SCOPED}
             ORDER BY (t.lang = ?4) DESC, t.rowid DESC LIMIT min(?5, ?6)"
        );
        return rows(conn, &sql, ch, scope, limit);
    }
    Ok(Vec::new())
}

/// The matches in what articles are about when they fill the page, else in every column.
fn about_first(
    conn: &Connection,
    sql: &str,
    expr: &str,
    scope: &Scope,
    limit: usize,
) -> rusqlite::Result<Vec<i64>> {
    let about = Plan::about(expr);
    if about != expr {
        let found = rows(conn, sql, &about, scope, limit)?;
        if found.len() >= limit {
            return Ok(found);
        }
    }
    rows(conn, sql, expr, scope, limit)
}

/// Articles that may help with a job: its model, its fault code, its symptom's words.
pub fn suggest(
    conn: &Connection,
    model: Option<&str>,
    fault_code: Option<&str>,
    symptom: &str,
    scope: &Scope,
    limit: usize,
) -> rusqlite::Result<Vec<i64>> {
    match search::suggestion(model, fault_code, symptom) {
        Some(expr) => rows(conn, &trigram_sql(), &expr, scope, limit),
        None => Ok(Vec::new()),
    }
}

/// The raw FTS5 query a plan runs, for the benchmark's baseline: the same MATCH, ordered by
/// FTS5's own rank, nothing else.
pub fn raw(conn: &Connection, query: &str, limit: usize) -> rusqlite::Result<Vec<i64>> {
    let plan = search::plan(query);
    let (table, expr) = match (&plan.words, &plan.trigram, &plan.bigram) {
        (Some(e), _, _) => ("article_words", e),
        (None, Some(e), _) => ("article_text", e),
        (None, None, Some(e)) => ("article_grams", e),
        _ => return Ok(Vec::new()),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT rowid FROM {table} WHERE {table} MATCH ?1 ORDER BY rank LIMIT ?2"
    ))?;
    stmt.query_map(params![expr, limit as i64], |r| r.get(0))?
        .collect()
}

/// Whether a scope lets this audience's articles through (for callers that load by id).
pub fn admits(scope: &Scope, audience: Audience) -> bool {
    !scope.public_only || audience == Audience::Public
}
