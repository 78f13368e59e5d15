//! The knowledge base's search index on SQLite FTS5, one implementation for the server's store
//! and the device's: what [`fixline_core::knowledge::search`] plans, run against the
//! `article_text` (trigram) and `article_grams` (two-character grams) tables that both
//! databases' migrations create. Index rows share their article row's `rowid`.

use fixline_core::customer::Language;
use fixline_core::knowledge::search::{self, Plan, WEIGHTS};
use fixline_core::knowledge::{Article, ArticleKind, Audience};
use rusqlite::{Connection, params};

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
    Ok(())
}

pub fn unindex(conn: &Connection, rowid: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM article_text WHERE rowid = ?1")?
        .execute([rowid])?;
    conn.prepare_cached("DELETE FROM article_grams WHERE rowid = ?1")?
        .execute([rowid])?;
    Ok(())
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
            limit as i64
        ],
        |r| r.get(0),
    )?
    .collect()
}

fn trigram_sql() -> String {
    let [a, b, c, d, e] = WEIGHTS;
    format!(
        "SELECT t.rowid FROM article_text t WHERE article_text MATCH ?1 AND {SCOPED}
         ORDER BY (t.lang = ?4) DESC, bm25(article_text, {a}, {b}, {c}, {d}, {e}) * t.boost
         LIMIT ?5"
    )
}

fn bigram_sql() -> String {
    format!(
        "SELECT g.rowid FROM article_grams g JOIN article_text t ON t.rowid = g.rowid
         WHERE article_grams MATCH ?1 AND {SCOPED}
         ORDER BY (t.lang = ?4) DESC, bm25(article_grams) * t.boost LIMIT ?5"
    )
}

/// The rowids of the articles that best answer what someone typed, best first.
pub fn find(
    conn: &Connection,
    query: &str,
    scope: &Scope,
    limit: usize,
) -> rusqlite::Result<Vec<i64>> {
    let plan = search::plan(query);
    let found = run(conn, &plan, scope, limit)?;
    match (&plan.loose, found.is_empty()) {
        (Some(loose), true) => rows(conn, &trigram_sql(), loose, scope, limit),
        _ => Ok(found),
    }
}

fn run(conn: &Connection, plan: &Plan, scope: &Scope, limit: usize) -> rusqlite::Result<Vec<i64>> {
    if let Some(expr) = &plan.trigram {
        return rows(conn, &trigram_sql(), expr, scope, limit);
    }
    if let Some(expr) = &plan.bigram {
        return rows(conn, &bigram_sql(), expr, scope, limit);
    }
    if let Some(ch) = &plan.single {
        // One character: titles that hold it, newest index rows first; no index can help.
        let sql = format!(
            "SELECT t.rowid FROM article_text t WHERE instr(t.title, ?1) > 0 AND {SCOPED}
             ORDER BY (t.lang = ?4) DESC, t.rowid DESC LIMIT ?5"
        );
        return rows(conn, &sql, ch, scope, limit);
    }
    Ok(Vec::new())
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
    let (table, expr) = match (&plan.trigram, &plan.bigram) {
        (Some(e), _) => ("article_text", e),
        (None, Some(e)) => ("article_grams", e),
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
