//! The knowledge base on PostgreSQL: articles as documents with their state as columns, the
//! images each shows, customers' reads; searches answered by this server's index
//! (`search.rs`), which every article write here updates at once and every other server's
//! reaches through the change log.

use fixline_api::knowledge::ArticleReadStats;
use fixline_api::live::ChangeOp;
use fixline_core::Timestamp;
use fixline_core::ids::{ArticleId, WorkOrderId};
use fixline_core::knowledge::{Article, ArticleEdit, PastFix, newest_fixes};
use fixline_core::work_order::WorkOrder;
use fixline_kb::Scope;
use tokio_postgres::Transaction;

use super::rows::{docs, get, locked, read, write};
use super::{PgStore, append};
use crate::error::{Error, Result};
use crate::store::record::{Record, edited_article};
use crate::store::{ArticleFilter, KnowledgeStore, Page, Paging, like, page};

/// How many index matches the desk's list looks through for its words.
const LISTED_MATCHES: usize = 200;

/// Writes the article's row, the images it shows and its change, in `tx`.
async fn save(tx: &Transaction<'_>, article: &Article, op: ChangeOp, at: Timestamp) -> Result<()> {
    write(tx, article, op, Vec::new()).await?;
    let id = article.id.as_uuid();
    tx.execute("DELETE FROM article_images WHERE article_id = $1", &[id])
        .await?;
    let public = article.is_public();
    let copies = [(&article.published, true), (&article.draft, false)];
    for (copy, published) in copies {
        for image in copy.iter().flat_map(|c| &c.images) {
            tx.execute(
                "INSERT INTO article_images (sha256, article_id, published, public)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (sha256, article_id) DO UPDATE
                 SET published = article_images.published OR $3,
                     public = article_images.public OR $4",
                &[&image.sha256, id, &published, &(published && public)],
            )
            .await?;
        }
    }
    append(tx, &[article.change(op, at)]).await?;
    Ok(())
}

impl PgStore {
    /// This server's index after a write here; other servers follow the log. The write has
    /// happened whatever the index says, so a failure here is logged, not answered.
    fn reindex(&self, article: &Article) {
        if let Err(e) = self.search.put(std::slice::from_ref(article)) {
            tracing::warn!(article = %article.id, "indexing an article for search: {e}");
        }
    }
}

impl KnowledgeStore for PgStore {
    fn create_article(&self, article: &Article, at: Timestamp) -> Result<()> {
        let made = article.clone();
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            save(&tx, &made, ChangeOp::Created, at).await?;
            tx.commit().await?;
            Ok(())
        })?;
        self.reindex(article);
        Ok(())
    }

    fn edit_article(
        &self,
        id: ArticleId,
        expected: u64,
        edit: ArticleEdit,
        at: Timestamp,
    ) -> Result<Article> {
        let article = self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let article = edited_article(locked(&tx, *id.as_uuid()).await?, expected, edit, at)?;
            save(&tx, &article, ChangeOp::Updated, at).await?;
            tx.commit().await?;
            Ok(article)
        })?;
        self.reindex(&article);
        Ok(article)
    }

    fn article(&self, id: ArticleId) -> Result<Article> {
        self.with(move |c| async move { get(&**c, *id.as_uuid()).await })
    }

    /// The desk's list: every article, drafts too, newest change first; words match what the
    /// index finds in published copies and working titles that hold them.
    fn list_articles(&self, filter: &ArticleFilter, paging: Paging) -> Result<Page<Article>> {
        let words = filter
            .query
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty());
        let found = words
            .map(|q| self.search.ids(q, LISTED_MATCHES))
            .transpose()?;
        let title = words.map(like);
        let kind = filter.kind.map(|k| k.as_str().to_owned());
        let state = filter.state.map(|s| s.as_str().to_owned());
        self.with(move |c| async move {
            let found = found.unwrap_or_default();
            let matching = "FROM articles
                 WHERE ($1::text IS NULL OR lower(title) LIKE $1 OR id = ANY($2))
                   AND ($3::text IS NULL OR kind = $3) AND ($4::text IS NULL OR state = $4)";
            let total: i64 = c
                .query_one(
                    &format!("SELECT count(*) {matching}"),
                    &[&title, &found, &kind, &state],
                )
                .await?
                .get(0);
            let items = docs(
                &**c,
                &format!("SELECT doc {matching} ORDER BY updated_at DESC, id LIMIT $5 OFFSET $6"),
                &[
                    &title,
                    &found,
                    &kind,
                    &state,
                    &i64::from(paging.per_page),
                    &paging.offset(),
                ],
            )
            .await?;
            Ok(page(items, paging, total))
        })
    }

    fn find_articles(&self, query: &str, scope: &Scope, limit: usize) -> Result<Vec<Article>> {
        self.search.find(query, scope, limit)
    }

    fn suggest_articles(
        &self,
        model: Option<&str>,
        fault_code: Option<&str>,
        symptom: &str,
        scope: &Scope,
        limit: usize,
    ) -> Result<Vec<Article>> {
        self.search
            .suggest(model, fault_code, symptom, scope, limit)
    }

    /// Finished jobs on the same model that fixed the same fault, newest first, company-wide.
    fn past_fixes(
        &self,
        job: WorkOrderId,
        model: &str,
        fault_code: Option<&str>,
    ) -> Result<Vec<PastFix>> {
        let (model, code) = (model.to_owned(), fault_code.map(str::to_owned));
        let done: Vec<WorkOrder> = self.with(move |c| async move {
            docs(
                &**c,
                "SELECT w.doc FROM job_facts f JOIN work_orders w ON w.id = f.work_order_id
                 WHERE f.model = $1 AND f.day IS NOT NULL AND f.work_order_id <> $2
                   AND ($3::text IS NULL OR f.fault_code = $3)
                 ORDER BY f.day DESC LIMIT 50",
                &[&model, job.as_uuid(), &code],
            )
            .await
        })?;
        Ok(newest_fixes(
            done.iter().filter_map(|wo| PastFix::of(wo, fault_code)),
        ))
    }

    /// The media type of an image some article shows, if this reader may load it: staff any
    /// article's (drafts too, for the desk's preview), the public only published public ones.
    fn article_image(&self, sha256: &str, public_only: bool) -> Result<Option<String>> {
        let sha = sha256.to_owned();
        let shown: Vec<Article> = self.with(move |c| async move {
            docs(
                &**c,
                "SELECT a.doc FROM article_images i JOIN articles a ON a.id = i.article_id
                 WHERE i.sha256 = $1 AND (NOT $2 OR i.public) LIMIT 1",
                &[&sha, &public_only],
            )
            .await
        })?;
        Ok(shown
            .iter()
            .find_map(|a| a.image_type(sha256))
            .map(str::to_owned))
    }

    fn record_help_read(&self, visitor: &str, article: ArticleId, at: Timestamp) -> Result<()> {
        let visitor = visitor.to_owned();
        let read = self.with(move |c| async move {
            Ok(c.execute(
                "INSERT INTO help_reads (visitor, article_id, read_at)
                 SELECT $1, id, $3 FROM articles WHERE id = $2 AND audience = 'public'",
                &[&visitor, article.as_uuid(), &at],
            )
            .await?)
        })?;
        if read == 0 {
            return Err(Error::not_found("article", article));
        }
        Ok(())
    }

    fn link_help_reads(&self, visitor: &str, request: WorkOrderId) -> Result<()> {
        let visitor = visitor.to_owned();
        self.with(move |c| async move {
            c.execute(
                "UPDATE help_reads SET request_id = $2 WHERE visitor = $1 AND request_id IS NULL",
                &[&visitor, request.as_uuid()],
            )
            .await?;
            Ok(())
        })
    }

    fn article_read_stats(&self) -> Result<Vec<ArticleReadStats>> {
        self.with(move |c| async move {
            // Titles in code-point order, as SQLite sorts them.
            let rows = c
                .query(
                    "SELECT a.doc, count(r.id), count(r.request_id)
                     FROM articles a LEFT JOIN help_reads r ON r.article_id = a.id
                     GROUP BY a.id ORDER BY count(r.id) DESC, a.title COLLATE \"C\"",
                    &[],
                )
                .await?;
            rows.into_iter()
                .map(|r| {
                    let (reads, requested): (i64, i64) = (r.get(1), r.get(2));
                    Ok(ArticleReadStats::of(
                        &read::<Article>(r.get(0))?,
                        reads,
                        requested,
                    ))
                })
                .collect()
        })
    }

    /// A PostgreSQL database never held the guides of before the knowledge base: a SQLite
    /// database adopts them when its server starts, before it could be moved here.
    fn adopt_guides(
        &self,
        _keep_image: &dyn Fn(&[u8]) -> Result<String>,
        _at: Timestamp,
    ) -> Result<usize> {
        Ok(0)
    }
}
