//! PostgreSQL, for several servers over one database (#19): [`PgStore`] implements every area
//! of the store, one module per area as on SQLite; the change log (`log.rs`) is numbered from
//! one counter row and announced with NOTIFY, which every server hears (`listen`); each server
//! keeps its own search index of the knowledge base (`search.rs`).

mod access;
mod complaints;
mod customers;
mod engineers;
mod facts;
mod knowledge;
mod kpis;
mod log;
pub mod moving;
mod notices;
mod outbox;
mod quality;
mod receipts;
mod rows;
mod search;
mod sync;
mod work_orders;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use fixline_core::Timestamp;
use fixline_core::ids::UserId;
use futures::StreamExt;
use tokio::sync::broadcast;
use tokio_postgres::{AsyncMessage, NoTls};

pub use log::{CHANNEL, append, changes_since, latest_seq, migrate};
pub use search::ARTICLE_CHANNEL;
use search::SearchIndex;

use super::{Change, ChangeFeed, LeaseStore, SettingStore};
use crate::error::{Error, Result};

/// Connections one server keeps.
const POOL: usize = 16;
/// The most changes read from the log per look.
const PAGE: u32 = 500;

/// The store over a PostgreSQL database, shared by as many servers as need it.
pub struct PgStore {
    pool: Pool,
    facts_area: std::sync::RwLock<Arc<super::FactsArea>>,
    feed: broadcast::Sender<Change>,
    search: Arc<SearchIndex>,
    /// Its own runtime: the store's methods are blocking (called off the server's runtime),
    /// the driver is async. Always `Some` until dropped.
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Dropping a runtime waits for its threads, which async code may not do.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`), brings the schema up
    /// to date, and starts listening for every server's changes.
    pub fn open(url: &str) -> Result<Self> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| Error::Internal(format!("the database URL: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fixline-postgres")
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("starting the database runtime: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| Error::Internal(format!("the database pool: {e}")))?;
        let (feed, _) = broadcast::channel(4096);
        let store = PgStore {
            pool,
            facts_area: Default::default(),
            feed,
            search: Arc::new(SearchIndex::new()?),
            runtime: Some(runtime),
        };
        let (pool, search) = (store.pool.clone(), Arc::clone(&store.search));
        // The log's newest number before the index is built: the listener re-reads any article
        // changed since, so none is missed (re-reading one twice does no harm).
        let published = store.block(async move {
            let mut client = pool.get().await.map_err(pool_error)?;
            migrate(&mut client).await?;
            let published = latest_seq(&**client).await?;
            drop(client);
            index_all(&pool, &search).await?;
            Ok(published)
        })?;
        store.spawn(listen(
            config,
            Heard {
                pool: store.pool.clone(),
                feed: store.feed.clone(),
                search: Arc::clone(&store.search),
                published: Arc::new(AtomicI64::new(published)),
            },
        ));
        Ok(store)
    }

    fn runtime(&self) -> Result<&tokio::runtime::Runtime> {
        self.runtime
            .as_ref()
            .ok_or_else(|| Error::Internal("the database store is shut down".into()))
    }

    fn spawn(&self, work: impl Future<Output = ()> + Send + 'static) {
        if let Ok(runtime) = self.runtime() {
            runtime.spawn(work);
        }
    }

    /// Runs `work` on the store's runtime and waits for it, from any thread.
    fn block<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.runtime()?.spawn(async move {
            let _ = tx.send(work.await);
        });
        rx.recv()
            .map_err(|_| Error::Internal("the database request was dropped".into()))?
    }

    /// Runs `work` with a pooled connection.
    fn with<T, F, Fut>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(deadpool_postgres::Object) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>> + Send,
    {
        let pool = self.pool.clone();
        self.block(async move { work(pool.get().await.map_err(pool_error)?).await })
    }
}

/// A refused write as the error the user sees, as SQLite's `constraint` does: a duplicate is a
/// conflict, a reference to nothing or a broken rule is the request's fault.
fn constraint(e: tokio_postgres::Error, what: &'static str) -> Error {
    use tokio_postgres::error::SqlState;
    match e.code() {
        Some(&SqlState::UNIQUE_VIOLATION) => {
            Error::Conflict(format!("a {what} with these details already exists"))
        }
        Some(&SqlState::FOREIGN_KEY_VIOLATION) => Error::bad_request(
            "unknown_reference",
            format!("this {what} refers to a record that does not exist"),
        ),
        Some(&SqlState::CHECK_VIOLATION | &SqlState::NOT_NULL_VIOLATION) => Error::bad_request(
            "constraint",
            format!("this {what} breaks a rule of the data: {e}"),
        ),
        _ => e.into(),
    }
}

fn pool_error(e: deadpool_postgres::PoolError) -> Error {
    Error::Internal(format!("no database connection: {e}"))
}

/// What the listener keeps current on this server: the live feed and the search index.
struct Heard {
    pool: Pool,
    feed: broadcast::Sender<Change>,
    search: Arc<SearchIndex>,
    /// The newest change published to the feed.
    published: Arc<AtomicI64>,
}

/// What one notification asks for.
enum Notice {
    /// New changes in the log.
    Logged,
    /// This article's standing changed without a logged change.
    Article(uuid::Uuid),
}

/// Hears every server's commits (NOTIFY on the log's channel and [`ARTICLE_CHANNEL`]) and
/// publishes the changes, read from the log, to this server's subscribers, re-indexing each
/// article changed. Reconnects when the connection drops, catching up from the log (and, as
/// an article's notice may have been missed meanwhile, re-indexing every article);
/// subscribers fill any gap from the log themselves.
async fn listen(config: tokio_postgres::Config, heard: Heard) {
    let mut reconnected = false;
    loop {
        match config.connect(NoTls).await {
            Ok((client, mut connection)) => {
                let (tx, mut notices) = tokio::sync::mpsc::unbounded_channel::<Notice>();
                let messages = tokio::spawn(async move {
                    let mut messages =
                        futures::stream::poll_fn(move |cx| connection.poll_message(cx));
                    while let Some(Ok(message)) = messages.next().await {
                        let AsyncMessage::Notification(n) = message else {
                            continue;
                        };
                        let notice = if n.channel() == ARTICLE_CHANNEL {
                            match n.payload().parse() {
                                Ok(id) => Notice::Article(id),
                                Err(_) => continue,
                            }
                        } else {
                            Notice::Logged
                        };
                        if tx.send(notice).is_err() {
                            break;
                        }
                    }
                });
                let listening = format!("LISTEN {CHANNEL}; LISTEN {ARTICLE_CHANNEL}");
                if let Err(e) = client.batch_execute(&listening).await {
                    tracing::warn!("listening for other servers' changes: {e}");
                } else {
                    if reconnected && let Err(e) = index_all(&heard.pool, &heard.search).await {
                        tracing::warn!("re-indexing the articles: {e}");
                    }
                    reconnected = true;
                    // Whatever was committed before the LISTEN took hold, then each commit.
                    catch_up(&heard).await;
                    while let Some(notice) = notices.recv().await {
                        match notice {
                            Notice::Logged => catch_up(&heard).await,
                            Notice::Article(id) => reindex(&heard, vec![id]).await,
                        }
                    }
                }
                messages.abort();
            }
            Err(e) => tracing::warn!("connecting to hear other servers' changes: {e}"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

async fn catch_up(heard: &Heard) {
    let Ok(client) = heard.pool.get().await else {
        return;
    };
    loop {
        let after = heard.published.load(Ordering::Acquire);
        match changes_since(&**client, after, PAGE).await {
            Ok(page) => {
                let full = page.len() == PAGE as usize;
                let mut articles = Vec::new();
                for change in page {
                    heard.published.fetch_max(change.seq, Ordering::AcqRel);
                    if change.entity == super::Entity::Article {
                        articles.push(change.entity_id);
                    }
                    let _ = heard.feed.send(change);
                }
                if !articles.is_empty() {
                    reindex(heard, articles).await;
                }
                if !full {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!("reading the change log: {e}");
                return;
            }
        }
    }
}

/// Re-reads these articles and indexes them as they now stand.
async fn reindex(heard: &Heard, ids: Vec<uuid::Uuid>) {
    let read = async {
        let client = heard.pool.get().await.map_err(pool_error)?;
        rows::docs::<fixline_core::knowledge::Article>(
            &**client,
            "SELECT doc FROM articles WHERE id = ANY($1)",
            &[&ids],
        )
        .await
    };
    let indexed = match read.await {
        Ok(articles) => put(&heard.search, articles).await,
        Err(e) => Err(e),
    };
    if let Err(e) = indexed {
        tracing::warn!("re-indexing an article another server changed: {e}");
    }
}

/// Indexes every article, a page at a time.
async fn index_all(pool: &Pool, search: &Arc<SearchIndex>) -> Result<()> {
    const BATCH: i64 = 1000;
    let client = pool.get().await.map_err(pool_error)?;
    let mut after = uuid::Uuid::nil();
    loop {
        let rows = client
            .query(
                "SELECT id, doc FROM articles WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &BATCH],
            )
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.get(0);
        let articles = rows
            .into_iter()
            .map(|r| rows::read(r.get(1)))
            .collect::<Result<Vec<fixline_core::knowledge::Article>>>()?;
        put(search, articles).await?;
    }
    let search = Arc::clone(search);
    tokio::task::spawn_blocking(move || search.optimize())
        .await
        .map_err(|e| Error::Internal(format!("indexing: {e}")))?
}

/// Indexing is SQLite work: off the runtime's threads.
async fn put(
    search: &Arc<SearchIndex>,
    articles: Vec<fixline_core::knowledge::Article>,
) -> Result<()> {
    let search = Arc::clone(search);
    tokio::task::spawn_blocking(move || search.put(&articles))
        .await
        .map_err(|e| Error::Internal(format!("indexing: {e}")))?
}

impl ChangeFeed for PgStore {
    fn changes_since(&self, seq: i64, limit: u32) -> Result<Vec<Change>> {
        self.with(move |c| async move { changes_since(&**c, seq, limit).await })
    }

    fn latest_seq(&self) -> Result<i64> {
        self.with(|c| async move { latest_seq(&**c).await })
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.feed.subscribe()
    }
}

impl LeaseStore for PgStore {
    fn hold_lease(
        &self,
        task: &str,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool> {
        let (task, holder) = (task.to_owned(), holder.to_owned());
        self.with(move |c| async move {
            let taken = c
                .execute(
                    "INSERT INTO leases (task, holder, expires_at) VALUES ($1, $2, $3)
                     ON CONFLICT (task) DO UPDATE
                     SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
                     WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= $4",
                    &[&task, &holder, &until, &now],
                )
                .await?;
            Ok(taken == 1)
        })
    }

    fn release_lease(&self, task: &str, holder: &str) -> Result<()> {
        let (task, holder) = (task.to_owned(), holder.to_owned());
        self.with(move |c| async move {
            c.execute(
                "DELETE FROM leases WHERE task = $1 AND holder = $2",
                &[&task, &holder],
            )
            .await?;
            Ok(())
        })
    }
}

impl SettingStore for PgStore {
    fn readiness(&self) -> Result<()> {
        self.with(|c| async move {
            c.execute("SELECT 1", &[]).await?;
            Ok(())
        })
    }

    fn setting(&self, key: &str) -> Result<Option<(serde_json::Value, u64)>> {
        let key = key.to_owned();
        self.with(move |c| async move {
            let row = c
                .query_opt("SELECT doc, version FROM settings WHERE key = $1", &[&key])
                .await?;
            Ok(row.map(|r| (r.get(0), r.get::<_, i64>(1) as u64)))
        })
    }

    fn put_setting(
        &self,
        key: &str,
        value: &serde_json::Value,
        expected: u64,
        by: UserId,
        at: Timestamp,
    ) -> Result<u64> {
        let (key, value) = (key.to_owned(), value.clone());
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let current: i64 = tx
                .query_opt(
                    "SELECT version FROM settings WHERE key = $1 FOR UPDATE",
                    &[&key],
                )
                .await?
                .map_or(0, |r| r.get(0));
            if current as u64 != expected {
                return Err(Error::StaleVersion {
                    entity: "setting",
                    current: current as u64,
                });
            }
            // Two first saves at once: the second finds the row on conflict and is stale.
            let written = tx
                .execute(
                    "INSERT INTO settings (key, doc, version, updated_at, updated_by)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (key) DO UPDATE
                     SET doc = EXCLUDED.doc, version = EXCLUDED.version,
                         updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
                     WHERE settings.version = $6",
                    &[&key, &value, &(current + 1), &at, by.as_uuid(), &current],
                )
                .await?;
            if written != 1 {
                return Err(Error::StaleVersion {
                    entity: "setting",
                    current: current as u64 + 1,
                });
            }
            tx.commit().await?;
            Ok(current as u64 + 1)
        })
    }
}
