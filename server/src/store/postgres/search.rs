//! The knowledge base's search on PostgreSQL: each server keeps the FTS5 index the SQLite
//! stores use (`fixline-kb`), in a private temporary SQLite database beside the published
//! copy of every article. It is built from the `articles` table when the server starts and
//! follows the database: an article's logged change, and [`ARTICLE_CHANNEL`] for a job's
//! answers, which re-rank an article without a new version.
//!
//! Why not PostgreSQL's own text search: one ranking for the device, the server on SQLite and
//! the server on PostgreSQL, tested once (Chinese substrings, synonyms, typos, readers'
//! answers), and no extension (pg_trgm) for a database administrator to install. Searches cost
//! no database round trip. The price: a few milliseconds after another server's write before
//! this one finds it, and the index's memory and start-up time per server (articles are
//! thousands, not millions).

use std::sync::{Mutex, MutexGuard, PoisonError};

use fixline_core::knowledge::Article;
use fixline_kb::Scope;
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::error::Result;
use crate::store::sqlite::articles_at;

/// A commit that changed an article's standing without logging a change notifies its id here.
pub const ARTICLE_CHANNEL: &str = "fixline_articles";

pub struct SearchIndex {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// An empty index in a temporary file (SQLite's unnamed database), which spills to disk
    /// rather than holding every article in memory.
    pub fn new() -> Result<Self> {
        let conn = Connection::open("")?;
        conn.execute_batch(fixline_kb::SCHEMA)?;
        conn.execute_batch("CREATE TABLE articles (id TEXT PRIMARY KEY, doc TEXT NOT NULL)")?;
        Ok(SearchIndex {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while indexing leaves at worst one article's rows stale; searches go on.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Indexes these articles as they now stand (their published copies), in one transaction.
    pub fn put(&self, articles: &[Article]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for article in articles {
            let doc = serde_json::to_string(article)
                .map_err(|e| crate::error::Error::Internal(format!("article: {e}")))?;
            let rowid: i64 = tx.query_row(
                "INSERT INTO articles (id, doc) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET doc = excluded.doc RETURNING rowid",
                params![article.id.to_string(), doc],
                |r| r.get(0),
            )?;
            fixline_kb::index(&tx, rowid, article)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// After many articles at once (the start): each index's segments merged into one.
    pub fn optimize(&self) -> Result<()> {
        Ok(fixline_kb::optimize(&self.conn())?)
    }

    /// What readers find: published copies, best first.
    pub fn find(&self, query: &str, scope: &Scope, limit: usize) -> Result<Vec<Article>> {
        let conn = self.conn();
        articles_at(&conn, fixline_kb::find(&conn, query, scope, limit)?)
    }

    pub fn suggest(
        &self,
        model: Option<&str>,
        fault_code: Option<&str>,
        symptom: &str,
        scope: &Scope,
        limit: usize,
    ) -> Result<Vec<Article>> {
        let conn = self.conn();
        let rowids = fixline_kb::suggest(&conn, model, fault_code, symptom, scope, limit)?;
        articles_at(&conn, rowids)
    }

    /// The ids of the articles whose published copy holds `query`, for the desk's list.
    pub fn ids(&self, query: &str, limit: usize) -> Result<Vec<Uuid>> {
        let conn = self.conn();
        let rowids = fixline_kb::find(&conn, query, &Scope::default(), limit)?;
        let mut id = conn.prepare_cached("SELECT id FROM articles WHERE rowid = ?1")?;
        let mut out = Vec::with_capacity(rowids.len());
        for rowid in rowids {
            let text: String = id.query_row([rowid], |r| r.get(0))?;
            if let Ok(uuid) = text.parse() {
                out.push(uuid);
            }
        }
        Ok(out)
    }
}
