//! The knowledge base on SQLite: articles as documents with their state as columns, the search
//! index (`fixline-kb`) rewritten in the same transaction as the published copy, the images
//! each article shows, engineers' answers counted from their jobs, and customers' reads.

use crate::store::KnowledgeStore;
use fixline_api::knowledge::ArticleReadStats;
use fixline_core::Timestamp;
use fixline_core::ids::{ArticleId, WorkOrderId};
use fixline_core::knowledge::{
    Article, ArticleContent, ArticleEdit, ArticleKind, Audience, PastFix, newest_fixes,
};
use fixline_core::work_order::WorkOrder;
use fixline_kb::Scope;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{ChangeLog, SqliteStore, docs, from_json, get, page, put, to_json, ts};
use crate::error::{Error, Result};
use crate::store::record::edited_article;
use crate::store::{ArticleFilter, ChangeOp, Page, Paging};

/// Writes the article's row, then its index rows and image list from the copy now published.
fn save(
    tx: &Transaction<'_>,
    log: &mut ChangeLog,
    article: &Article,
    op: ChangeOp,
    at: Timestamp,
) -> Result<()> {
    put(tx, log, article, op, at)?;
    reindex(tx, article)
}

fn reindex(tx: &Transaction<'_>, article: &Article) -> Result<()> {
    let id = article.id.to_string();
    let rowid: i64 = tx.query_row("SELECT rowid FROM articles WHERE id = ?1", [&id], |r| {
        r.get(0)
    })?;
    fixline_kb::index(tx, rowid, article)?;
    tx.execute("DELETE FROM article_images WHERE article_id = ?1", [&id])?;
    let public = article.is_public();
    let copies = [(&article.published, true), (&article.draft, false)];
    for (copy, published) in copies {
        for image in copy.iter().flat_map(|c| &c.images) {
            tx.execute(
                "INSERT INTO article_images (sha256, article_id, published, public)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (sha256, article_id) DO UPDATE
                 SET published = max(published, ?3), public = max(public, ?4)",
                params![image.sha256, id, published, published && public],
            )?;
        }
    }
    Ok(())
}

/// Counts the answers a job's change adds or changes into each article's standing (no new
/// version: an engineer's answer must not make the desk's open edit stale).
pub(super) fn count_answers(
    tx: &Transaction<'_>,
    before: Option<&WorkOrder>,
    wo: &WorkOrder,
) -> Result<()> {
    for (id, earlier, helpful) in fixline_core::knowledge::changed_answers(before, wo) {
        let mut article: Article = match get(tx, *id.as_uuid()) {
            Ok(a) => a,
            // An answer about an article since removed counts for nothing.
            Err(Error::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        fixline_core::knowledge::recount(&mut article, earlier, helpful);
        tx.execute(
            "UPDATE articles SET doc = ?2 WHERE id = ?1",
            params![article.id.to_string(), to_json(&article)?],
        )?;
        reindex(tx, &article)?;
    }
    Ok(())
}

/// The articles at these index rows (`articles.rowid`), as readers see them, in that order.
pub(crate) fn articles_at(c: &Connection, rowids: Vec<i64>) -> Result<Vec<Article>> {
    let mut stmt = c.prepare_cached("SELECT doc FROM articles WHERE rowid = ?1")?;
    let mut out = Vec::with_capacity(rowids.len());
    for rowid in rowids {
        let doc: Option<String> = stmt.query_row([rowid], |r| r.get(0)).optional()?;
        if let Some(article) = doc
            .map(|d| from_json::<Article>(&d))
            .transpose()?
            .and_then(|a| a.for_readers())
        {
            out.push(article);
        }
    }
    Ok(out)
}

/// One old guide (`{model, language, title, body, images: [{caption, media_type,
/// data_base64}]}`) as an article; its images appended to the body.
fn adopted(
    id: &str,
    doc: &str,
    keep_image: &dyn Fn(&[u8]) -> Result<String>,
    at: Timestamp,
) -> Result<Article> {
    use base64::Engine as _;
    let old: serde_json::Value = from_json(doc)?;
    let field = |k: &str| {
        old.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let mut body = field("body");
    let mut images = Vec::new();
    for image in old
        .get("images")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
    {
        let data = image
            .get("data_base64")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data) else {
            continue;
        };
        let Some(media_type) = fixline_core::knowledge::image_type(&bytes) else {
            continue;
        };
        let sha256 = keep_image(&bytes)?;
        let caption = image
            .get("caption")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        body.push_str(&format!(
            "\n\n![{}]({}{sha256})",
            caption.replace([']', '['], ""),
            fixline_core::knowledge::markdown::IMAGE_SCHEME
        ));
        images.push(fixline_core::knowledge::ArticleImage {
            sha256,
            media_type: media_type.to_owned(),
            size: bytes.len() as u64,
        });
    }
    let language = old
        .get("language")
        .cloned()
        .and_then(|l| serde_json::from_value(l).ok())
        .unwrap_or_default();
    let content = ArticleContent {
        kind: ArticleKind::RepairGuide,
        language,
        audience: Audience::Staff,
        title: field("title"),
        symptoms: String::new(),
        fault_codes: Vec::new(),
        models: vec![field("model")],
        categories: Vec::new(),
        body,
        parts: Vec::new(),
        tools: Vec::new(),
        images,
    };
    let id: ArticleId = id
        .parse()
        .map_err(|_| Error::Internal(format!("bad guide id {id:?}")))?;
    let mut article = Article::new(id, content, at)?;
    article.publish(at)?;
    Ok(article)
}

impl KnowledgeStore for SqliteStore {
    fn create_article(&self, article: &Article, at: Timestamp) -> Result<()> {
        self.write(|tx, log| save(tx, log, article, ChangeOp::Created, at))
    }

    fn edit_article(
        &self,
        id: ArticleId,
        expected: u64,
        edit: ArticleEdit,
        at: Timestamp,
    ) -> Result<Article> {
        self.write(|tx, log| {
            let article = edited_article(get(tx, *id.as_uuid())?, expected, edit, at)?;
            save(tx, log, &article, ChangeOp::Updated, at)?;
            Ok(article)
        })
    }

    fn article(&self, id: ArticleId) -> Result<Article> {
        self.read(|c| get(c, *id.as_uuid()))
    }

    /// The desk's list: every article, drafts too, newest change first.
    fn list_articles(&self, filter: &ArticleFilter, paging: Paging) -> Result<Page<Article>> {
        self.read(|c| {
            let words = filter
                .query
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty());
            // Words: what the index finds in published copies, and working titles that hold them.
            let found: Option<String> = match words {
                Some(q) => {
                    let rowids = fixline_kb::find(c, q, &Scope::default(), 200)?;
                    Some(
                        rowids
                            .iter()
                            .map(i64::to_string)
                            .collect::<Vec<_>>()
                            .join(","),
                    )
                }
                None => None,
            };
            let mut sql = String::from("FROM articles WHERE 1 = 1");
            let mut args: Vec<Value> = Vec::new();
            if let (Some(q), Some(rowids)) = (words, &found) {
                args.push(Value::Text(format!("%{}%", q.replace(['%', '_'], ""))));
                sql.push_str(&format!(
                    " AND (title LIKE ?{} OR rowid IN ({rowids}))",
                    args.len()
                ));
            }
            if let Some(kind) = filter.kind {
                args.push(Value::Text(kind.as_str().to_owned()));
                sql.push_str(&format!(" AND kind = ?{}", args.len()));
            }
            if let Some(state) = filter.state {
                args.push(Value::Text(state.as_str().to_owned()));
                sql.push_str(&format!(" AND state = ?{}", args.len()));
            }
            let total: i64 = c.query_row(
                &format!("SELECT count(*) {sql}"),
                rusqlite::params_from_iter(args.iter()),
                |r| r.get(0),
            )?;
            args.push(Value::Integer(i64::from(paging.per_page)));
            args.push(Value::Integer(paging.offset()));
            let n = args.len();
            let items = docs(
                c,
                &format!(
                    "SELECT doc {sql} ORDER BY updated_at DESC, id LIMIT ?{} OFFSET ?{n}",
                    n - 1
                ),
                rusqlite::params_from_iter(args.iter()),
            )?;
            Ok(page(items, paging, total))
        })
    }

    /// What readers find: published copies only, best first.
    fn find_articles(&self, query: &str, scope: &Scope, limit: usize) -> Result<Vec<Article>> {
        self.read(|c| articles_at(c, fixline_kb::find(c, query, scope, limit)?))
    }

    fn suggest_articles(
        &self,
        model: Option<&str>,
        fault_code: Option<&str>,
        symptom: &str,
        scope: &Scope,
        limit: usize,
    ) -> Result<Vec<Article>> {
        self.read(|c| {
            articles_at(
                c,
                fixline_kb::suggest(c, model, fault_code, symptom, scope, limit)?,
            )
        })
    }

    /// Finished jobs on the same model that fixed the same fault, newest first, company-wide.
    fn past_fixes(
        &self,
        job: WorkOrderId,
        model: &str,
        fault_code: Option<&str>,
    ) -> Result<Vec<PastFix>> {
        self.read(|c| {
            // The KPI rollup knows each finished job's model and fault code.
            let done: Vec<WorkOrder> = docs(
                c,
                "SELECT w.doc FROM job_facts f JOIN work_orders w ON w.id = f.work_order_id
                 WHERE f.model = ?1 AND f.day != '' AND f.work_order_id <> ?2
                   AND (?3 IS NULL OR f.fault_code = ?3)
                 ORDER BY f.day DESC LIMIT 50",
                params![model, job.to_string(), fault_code],
            )?;
            Ok(newest_fixes(
                done.iter().filter_map(|wo| PastFix::of(wo, fault_code)),
            ))
        })
    }

    /// The media type of an image some article shows, if this reader may load it: staff any
    /// article's (drafts too, for the desk's preview), the public only published public ones.
    fn article_image(&self, sha256: &str, public_only: bool) -> Result<Option<String>> {
        self.read(|c| {
            let shown: bool = c.query_row(
                "SELECT EXISTS (SELECT 1 FROM article_images WHERE sha256 = ?1 AND (?2 = 0 OR public = 1))",
                params![sha256, public_only],
                |r| r.get(0),
            )?;
            if !shown {
                return Ok(None);
            }
            let docs: Vec<Article> = docs(
                c,
                "SELECT a.doc FROM articles a JOIN article_images i ON i.article_id = a.id
                 WHERE i.sha256 = ?1 LIMIT 1",
                [sha256],
            )?;
            Ok(docs
                .iter()
                .find_map(|a| a.image_type(sha256))
                .map(str::to_owned))
        })
    }

    fn record_help_read(&self, visitor: &str, article: ArticleId, at: Timestamp) -> Result<()> {
        self.write(|tx, _| {
            let public: bool = tx
                .query_row(
                    "SELECT audience = 'public' FROM articles WHERE id = ?1",
                    [article.to_string()],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(false);
            if !public {
                return Err(Error::not_found("article", article));
            }
            tx.execute(
                "INSERT INTO help_reads (visitor, article_id, read_at) VALUES (?1, ?2, ?3)",
                params![visitor, article.to_string(), ts(at)],
            )?;
            Ok(())
        })
    }

    fn link_help_reads(&self, visitor: &str, request: WorkOrderId) -> Result<()> {
        self.write(|tx, _| {
            tx.execute(
                "UPDATE help_reads SET request_id = ?2 WHERE visitor = ?1 AND request_id IS NULL",
                params![visitor, request.to_string()],
            )?;
            Ok(())
        })
    }

    fn article_read_stats(&self) -> Result<Vec<ArticleReadStats>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT a.doc, count(r.id), count(r.request_id)
                 FROM articles a LEFT JOIN help_reads r ON r.article_id = a.id
                 GROUP BY a.id ORDER BY count(r.id) DESC, a.title",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (doc, reads, requested) = row?;
                out.push(ArticleReadStats::of(&from_json(&doc)?, reads, requested));
            }
            Ok(out)
        })
    }

    /// Moves the guides of before the knowledge base into published staff repair guides, their
    /// inline images stored through `keep_image` (which answers the blob's SHA-256). Each guide
    /// moves in one transaction with its removal, so a stop half-way loses nothing.
    fn adopt_guides(
        &self,
        keep_image: &dyn Fn(&[u8]) -> Result<String>,
        at: Timestamp,
    ) -> Result<usize> {
        let old: Vec<(String, String)> = self.read(|c| {
            let mut stmt = c.prepare("SELECT id, doc FROM guides")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })?;
        let mut moved = 0;
        for (id, doc) in old {
            let article = match adopted(&id, &doc, keep_image, at) {
                Ok(a) => a,
                Err(e) => {
                    // Kept where it is, for an administrator to see; the server still starts.
                    tracing::warn!(guide = %id, error = %e, "a guide could not become an article");
                    continue;
                }
            };
            self.write(|tx, log| {
                save(tx, log, &article, ChangeOp::Created, at)?;
                tx.execute("DELETE FROM guides WHERE id = ?1", [&id])?;
                Ok(())
            })?;
            moved += 1;
        }
        Ok(moved)
    }
}
