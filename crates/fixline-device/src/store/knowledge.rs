//! The knowledge base on the device: published articles kept from sync, searched offline with
//! the same index as the server (`fixline-kb`), suggestions for a job, the engineer's past fixes
//! of the same fault, and the images articles show.

use fixline_api::knowledge::JobHelp;
use fixline_core::ids::ArticleId;
use fixline_core::knowledge::{Article, ArticleImage, PastFix, newest_fixes};
use fixline_kb::Scope;

use super::*;

/// The most articles one search or suggestion returns.
pub const FOUND_MAX: usize = 20;

fn article_at(c: &Connection, rowid: i64) -> Result<Option<Article>> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM articles WHERE rowid = ?1")?
        .query_row([rowid], |r| r.get(0))
        .optional()?;
    doc.map(|d| from_json(&d)).transpose()
}

fn articles_at(c: &Connection, rowids: Vec<i64>) -> Result<Vec<Article>> {
    let mut out = Vec::with_capacity(rowids.len());
    for rowid in rowids {
        out.extend(article_at(c, rowid)?);
    }
    Ok(out)
}

/// Stores the published copy of an article from a pull page, and its index rows.
pub(super) fn put_article(tx: &Transaction<'_>, article: &Article) -> Result<()> {
    let Some(article) = article.for_readers() else {
        return remove_article(tx, article.id);
    };
    let rowid: i64 = tx.query_row(
        "INSERT INTO articles (id, doc) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc RETURNING rowid",
        params![article.id.to_string(), to_json(&article)?],
        |r| r.get(0),
    )?;
    fixline_kb::index(tx, rowid, &article)?;
    Ok(())
}

pub(super) fn remove_article(tx: &Transaction<'_>, id: ArticleId) -> Result<()> {
    let rowid: Option<i64> = tx
        .query_row(
            "DELETE FROM articles WHERE id = ?1 RETURNING rowid",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(rowid) = rowid {
        fixline_kb::unindex(tx, rowid)?;
    }
    Ok(())
}

impl DeviceStore {
    /// The knowledge base searched offline; no words and a model: the articles about it.
    pub fn find_articles(&self, query: &str, model: Option<&str>) -> Result<Vec<Article>> {
        let conn = self.lock();
        let scope = Scope::default();
        let rowids = if query.trim().is_empty() {
            match model {
                Some(m) => fixline_kb::suggest(&conn, Some(m), None, "", &scope, FOUND_MAX)?,
                None => {
                    let mut stmt = conn.prepare_cached(
                        "SELECT rowid FROM articles ORDER BY json_extract(doc, '$.published.title') LIMIT ?1",
                    )?;
                    stmt.query_map([FOUND_MAX as i64 * 5], |r| r.get(0))?
                        .collect::<rusqlite::Result<Vec<i64>>>()?
                }
            }
        } else {
            fixline_kb::find(&conn, query, &scope, FOUND_MAX)?
        };
        articles_at(&conn, rowids)
    }

    pub fn article(&self, id: ArticleId) -> Result<Article> {
        let conn = self.lock();
        let doc: Option<String> = conn
            .query_row(
                "SELECT doc FROM articles WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        from_json(&doc.ok_or_else(|| Error::NotFound(format!("article {id}")))?)
    }

    /// Beside a job: articles for its model, fault code and symptom, and how this device's
    /// finished jobs on the same model fixed the same fault.
    pub fn job_help(&self, id: WorkOrderId) -> Result<JobHelp> {
        let job = self.job(id)?.work_order;
        let model = self.job_model(&job)?;
        let code = job.resolution.as_ref().and_then(|r| r.fault_code.clone());
        let conn = self.lock();
        let scope = Scope::default();
        let rowids = fixline_kb::suggest(
            &conn,
            model.as_deref(),
            code.as_deref(),
            &job.symptom,
            &scope,
            FOUND_MAX / 2,
        )?;
        let suggested = articles_at(&conn, rowids)?;
        drop(conn);
        let past_fixes = match &model {
            Some(model) => self.past_fixes(&job, model, code.as_deref())?,
            None => Vec::new(),
        };
        Ok(JobHelp {
            suggested,
            past_fixes,
        })
    }

    /// The model of the job's asset, from its customer's file.
    fn job_model(&self, job: &WorkOrder) -> Result<Option<String>> {
        let Some(asset) = job.asset_id else {
            return Ok(None);
        };
        let file = match self.customer_file(job.customer_id) {
            Ok(f) => f,
            Err(Error::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(file
            .assets
            .iter()
            .find(|a| a.id == asset)
            .map(|a| a.details.model.clone()))
    }

    fn past_fixes(&self, job: &WorkOrder, model: &str, code: Option<&str>) -> Result<Vec<PastFix>> {
        let others: Vec<WorkOrder> = {
            let conn = self.lock();
            docs(
                &conn,
                "SELECT doc FROM work_orders WHERE id <> ?1 AND status IN ('completed', 'confirmed', 'closed')",
                [job.id.to_string()],
            )?
        };
        let mut fixes = Vec::new();
        for other in others {
            if let Some(fix) = PastFix::of(&other, code)
                && self
                    .job_model(&other)?
                    .is_some_and(|m| m.eq_ignore_ascii_case(model))
            {
                fixes.push(fix);
            }
        }
        Ok(newest_fixes(fixes))
    }

    /// Merges the search index after many articles arrived (the sync engine calls it after
    /// such a pull).
    pub fn tidy_search_index(&self) -> Result<()> {
        fixline_kb::optimize(&self.lock())?;
        self.refresh_broad_words()
    }

    /// Works out the broad words' first pages again (a change to the index forgot them): the
    /// sync engine calls it after a pull that brought articles. One word at a time, so that
    /// searches are answered in between.
    pub fn refresh_broad_words(&self) -> Result<()> {
        let words = fixline_kb::broad_words(&self.lock())?;
        for word in words {
            fixline_kb::keep_broad_page(&self.lock(), &word)?;
        }
        Ok(())
    }

    /// An article's image as `(media type, bytes)`, if it has arrived.
    pub fn article_image(&self, sha256: &str) -> Result<(String, Vec<u8>)> {
        let conn = self.lock();
        conn.query_row(
            "SELECT media_type, bytes FROM article_images WHERE sha256 = ?1",
            [sha256],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("image {sha256}")))
    }

    /// The images articles on the device show and the device does not have yet.
    pub(crate) fn missing_article_images(&self) -> Result<Vec<ArticleImage>> {
        let conn = self.lock();
        let articles: Vec<Article> = docs(&conn, "SELECT doc FROM articles", [])?;
        let mut missing: Vec<ArticleImage> = Vec::new();
        let mut have = conn.prepare_cached("SELECT 1 FROM article_images WHERE sha256 = ?1")?;
        for image in articles
            .iter()
            .filter_map(|a| a.published.as_ref())
            .flat_map(|p| &p.images)
        {
            if !have.exists([&image.sha256])? && !missing.iter().any(|m| m.sha256 == image.sha256) {
                missing.push(image.clone());
            }
        }
        Ok(missing)
    }

    /// Keeps an image an article shows, once its bytes match its name.
    pub(crate) fn store_article_image(&self, image: &ArticleImage, bytes: &[u8]) -> Result<()> {
        if fixline_core::receipt::sha256_hex(bytes) != image.sha256 {
            return Err(Error::Invalid(format!(
                "image {} did not arrive whole",
                image.sha256
            )));
        }
        let conn = self.lock();
        conn.execute(
            "INSERT OR IGNORE INTO article_images (sha256, media_type, bytes) VALUES (?1, ?2, ?3)",
            params![image.sha256, image.media_type, bytes],
        )?;
        Ok(())
    }
}
