//! The device database: the engineer's scope as the server last sent it, and the outbox.
//!
//! An action taken on the device is applied to the local copy and written to the outbox in one
//! transaction, so it survives the app being killed or the tablet rebooting. The copy shown is
//! always the server's copy with the pending actions replayed on top (see
//! `fixline_core::sync::rebase`), so a pull never hides work that has not reached the server.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use fixline_core::customer::CustomerFile;
use fixline_core::ids::{ActionId, WorkOrderId};
use fixline_core::sla::SlaPolicy;
use fixline_core::sync::{
    Colleague, DeviceAction, PullRecord, PushOutcome, PushResult, SyncConflict, SyncCursor, rebase,
    retry_delay,
};
use fixline_core::work_order::{Action, ActionContext, WorkOrder};
use fixline_core::{Timestamp, sync};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rusqlite_migration::{M, Migrations};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use fixline_core::device::{DeviceUser, LocalJob, OutboxItem, OutboxState, SyncStatus};

mod capture;
mod knowledge;
mod positions;
mod printing;

// `MIGRATIONS`: every file of migrations/device/, in order (embedded by migrations/embed.rs).
include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|(_, sql)| M::up(sql)).collect())
}

/// Who is signed in on this device, and where their server is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub server_url: String,
    pub token: String,
    pub user: DeviceUser,
}

#[derive(Debug)]
pub struct DeviceStore {
    conn: Mutex<Connection>,
    /// SLA targets for the local copy; the server recomputes with its own.
    policy: SlaPolicy,
    /// How far the store's clock runs ahead of the system's (0 but in tests that fix the hour).
    skew_ms: std::sync::atomic::AtomicI64,
}

fn ts(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> Result<Timestamp> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_utc())
        .map_err(|e| Error::Invalid(format!("bad time {s:?} on device: {e}")))
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Invalid(format!("cannot store record: {e}")))
}

fn from_json<T: DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| Error::Invalid(format!("unreadable record on device: {e}")))
}

/// The one document of a single-row table (`receipt_settings`, `printer`), if stored.
fn single_doc<T: DeserializeOwned>(c: &Connection, table: &'static str) -> Result<Option<T>> {
    let doc: Option<String> = c
        .query_row(&format!("SELECT doc FROM {table} WHERE id = 1"), [], |r| {
            r.get(0)
        })
        .optional()?;
    doc.as_deref().map(from_json).transpose()
}

/// Stores the one document of a single-row table.
fn put_single_doc<T: Serialize>(c: &Connection, table: &'static str, doc: &T) -> Result<()> {
    c.execute(
        &format!(
            "INSERT INTO {table} (id, doc) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET doc = excluded.doc"
        ),
        [to_json(doc)?],
    )?;
    Ok(())
}

/// The code book as last synced, else the one built into the app.
fn code_book(c: &Connection) -> Result<fixline_core::fault_code::CodeBook> {
    Ok(single_doc(c, "code_book")?.unwrap_or_default())
}

fn docs<T: DeserializeOwned>(
    c: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<T>> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map(p, |r| r.get::<_, String>(0))?;
    rows.map(|d| from_json(&d?)).collect()
}

impl DeviceStore {
    /// Opens (creating if needed) the device database and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: an action the engineer saw recorded must survive a power cut.
        conn.pragma_update(None, "synchronous", "FULL")?;
        // The knowledge base's index is read hard while searching: map the file and keep more
        // of it in memory than SQLite's 2 MB default.
        conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
        conn.pragma_update(None, "cache_size", -16_000)?;
        Self::with(conn)
    }

    /// Now, by the device's clock: every time the store and its sync and print runs record
    /// is read here.
    pub fn now(&self) -> Timestamp {
        use std::sync::atomic::Ordering;
        fixline_core::clock::ClockSkew {
            ahead_ms: self.skew_ms.load(Ordering::Relaxed),
        }
        .apply(Utc::now())
    }

    /// Sets the store's clock to read `now` from here on (tests fix the hour they run at).
    pub fn set_clock(&self, now: Timestamp) {
        use std::sync::atomic::Ordering;
        let skew = fixline_core::clock::ClockSkew::between(now, Utc::now());
        self.skew_ms.store(skew.ahead_ms, Ordering::Relaxed);
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::with(Connection::open_in_memory()?)
    }

    fn with(mut conn: Connection) -> Result<Self> {
        conn.pragma_update(None, "busy_timeout", 5000)?;
        migrations().to_latest(&mut conn)?;
        let store = DeviceStore {
            conn: Mutex::new(conn),
            policy: SlaPolicy::default(),
            skew_ms: std::sync::atomic::AtomicI64::new(0),
        };
        store.mark_interrupted_prints()?;
        Ok(store)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    // --- session

    pub fn session(&self) -> Result<Option<Session>> {
        let conn = self.lock();
        session(&conn)
    }

    /// Stores a new session. Switching to another user is refused while anything is unsynced:
    /// their work would otherwise be sent under the new user's name, or lost.
    pub fn sign_in(&self, new: &Session) -> Result<()> {
        self.write(|tx| {
            if let Some(old) = session(tx)?
                && old.user.id != new.user.id
            {
                let pending = pending_count(tx)?;
                if pending > 0 {
                    return Err(Error::Unsynced {
                        pending,
                        doing: "another user signs in",
                    });
                }
                clear(tx)?;
            }
            tx.execute(
                "INSERT OR REPLACE INTO session (id, server_url, token, user, signed_in_at)
                 VALUES (1, ?1, ?2, ?3, ?4)",
                params![
                    new.server_url,
                    new.token,
                    to_json(&new.user)?,
                    ts(self.now())
                ],
            )?;
            Ok(())
        })
    }

    /// Signs out and forgets this user's data; refused while anything is unsynced.
    pub fn sign_out(&self) -> Result<()> {
        self.write(|tx| {
            let pending = pending_count(tx)?;
            if pending > 0 {
                return Err(Error::Unsynced {
                    pending,
                    doing: "signing out",
                });
            }
            clear(tx)
        })
    }

    // --- reading

    /// The engineer's jobs as shown: open ones first, by requested window, then SLA due time.
    pub fn jobs(&self, now: Timestamp) -> Result<Vec<LocalJob>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT w.doc, w.removed_reason,
                    (SELECT count(*) FROM outbox o WHERE o.work_order_id = w.id AND o.state = 'pending'),
                    c.doc,
                    (SELECT count(*) FROM blobs b WHERE b.work_order_id = w.id),
                    (SELECT count(*) FROM blobs b WHERE b.work_order_id = w.id AND b.confirmed = 0),
                    (SELECT coalesce(sum(size - uploaded), 0) FROM blobs b WHERE b.work_order_id = w.id)
             FROM work_orders w
             LEFT JOIN customer_files c ON c.id = json_extract(w.doc, '$.customer_id')",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, Option<String>>(3)?,
                fixline_core::device::FileCheck {
                    total: r.get(4)?,
                    not_on_server: r.get(5)?,
                    bytes_to_upload: r.get::<_, i64>(6)?.max(0) as u64,
                },
            ))
        })?;
        let mut jobs = rows
            .map(|row| {
                let (doc, removed_reason, pending, file, files) = row?;
                let work_order: WorkOrder = from_json(&doc)?;
                let file: Option<CustomerFile> = file.as_deref().map(from_json).transpose()?;
                let site = file
                    .as_ref()
                    .and_then(|f| f.sites.iter().find(|s| s.id == work_order.site_id))
                    .cloned();
                Ok(LocalJob {
                    customer_name: file.map(|f| f.customer.details.name),
                    site,
                    work_order,
                    pending,
                    removed_reason,
                    files,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| {
            let wo = &j.work_order;
            (
                !wo.status.is_open(),
                wo.requested_window.map(|w| w.start),
                wo.sla.due(fixline_core::sla::Milestone::Arrive, now),
                wo.priority,
                wo.number.clone(),
            )
        });
        Ok(jobs)
    }

    pub fn job(&self, id: WorkOrderId) -> Result<LocalJob> {
        self.jobs(self.now())?
            .into_iter()
            .find(|j| j.work_order.id == id)
            .ok_or_else(|| Error::NotFound(format!("work order {id}")))
    }

    pub fn customer_file(&self, id: fixline_core::ids::CustomerId) -> Result<CustomerFile> {
        let conn = self.lock();
        let doc: Option<String> = conn
            .query_row(
                "SELECT doc FROM customer_files WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        from_json(&doc.ok_or_else(|| Error::NotFound(format!("customer {id}")))?)
    }

    pub fn colleagues(&self) -> Result<Vec<Colleague>> {
        let conn = self.lock();
        let mut all: Vec<Colleague> = docs(&conn, "SELECT doc FROM colleagues", [])?;
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    pub fn conflicts(&self) -> Result<Vec<SyncConflict>> {
        let conn = self.lock();
        let mut all: Vec<SyncConflict> = docs(&conn, "SELECT doc FROM conflicts", [])?;
        all.sort_by_key(|c| std::cmp::Reverse(c.recorded_at));
        Ok(all)
    }

    /// Every action taken on this device, newest first, with what became of it.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT doc, state, attempts, next_attempt_at, last_error, outcome, created_at, settled_at
             FROM outbox ORDER BY seq DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })?;
        rows.map(|row| {
            let (doc, state, attempts, next, last_error, outcome, created, settled) = row?;
            Ok(OutboxItem {
                action: from_json(&doc)?,
                state: OutboxState::parse(&state)
                    .ok_or_else(|| Error::Invalid(format!("unknown outbox state {state:?}")))?,
                attempts,
                next_attempt_at: next.as_deref().map(parse_ts).transpose()?,
                last_error,
                outcome: outcome.as_deref().map(from_json).transpose()?,
                created_at: parse_ts(&created)?,
                settled_at: settled.as_deref().map(parse_ts).transpose()?,
            })
        })
        .collect()
    }

    pub fn status(&self) -> Result<SyncStatus> {
        let files = self.files(None)?;
        let mut status = self.status_without_files()?;
        status.files = files;
        Ok(status)
    }

    fn status_without_files(&self) -> Result<SyncStatus> {
        let conn = self.lock();
        let s = session(&conn)?;
        let (last_sync, last_attempt, last_error): (
            Option<String>,
            Option<String>,
            Option<String>,
        ) = conn.query_row(
            "SELECT last_sync_at, last_attempt_at, last_error FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let count = |state: &str| -> Result<u64> {
            let n: i64 = conn.query_row(
                "SELECT count(*) FROM outbox WHERE state = ?1",
                [state],
                |r| r.get(0),
            )?;
            Ok(n.max(0) as u64)
        };
        let last_error: Option<crate::error::ErrorBody> = last_error.map(|raw| {
            serde_json::from_str(&raw).unwrap_or(crate::error::ErrorBody {
                code: "sync_failed".to_owned(),
                message: raw,
            })
        });
        Ok(SyncStatus {
            server_url: s.as_ref().map(|s| s.server_url.clone()),
            signed_in: s.map(|s| s.user),
            last_sync_at: last_sync.as_deref().map(parse_ts).transpose()?,
            last_attempt_at: last_attempt.as_deref().map(parse_ts).transpose()?,
            last_error_code: last_error.as_ref().map(|e| e.code.clone()),
            last_error: last_error.map(|e| e.message),
            pending: count("pending")?,
            conflicts: count("conflict")?,
            rejected: count("rejected")?,
            offline_capable: true,
            progress: None,
            files: fixline_core::device::FileCheck::default(),
        })
    }

    // --- acting

    /// Does `action` on a job now, on the device: checked by the same state machine as the
    /// server, applied to the local copy and queued in the outbox, in one transaction.
    pub fn perform(
        &self,
        id: WorkOrderId,
        action: Action,
        action_id: ActionId,
        at: Timestamp,
    ) -> Result<LocalJob> {
        self.write(|tx| self.perform_in(tx, id, action, action_id, at))?;
        self.job(id)
    }

    /// [`DeviceStore::perform`] inside a transaction, for captures that also write a file.
    fn perform_in(
        &self,
        tx: &Transaction<'_>,
        id: WorkOrderId,
        action: Action,
        action_id: ActionId,
        at: Timestamp,
    ) -> Result<()> {
        let user = session(tx)?.ok_or(Error::NotSignedIn)?.user;
        let (doc, server_version, removed): (String, i64, Option<String>) = tx
            .query_row(
                "SELECT doc, server_version, removed_reason FROM work_orders WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("work order {id}")))?;
        if let Some(reason) = removed {
            return Err(Error::Invalid(format!(
                "this job is no longer yours ({reason}); your earlier changes will still be sent"
            )));
        }
        let shown: WorkOrder = from_json(&doc)?;
        let actor = user.actor();
        let next = shown.apply(
            &action,
            &ActionContext {
                actor: &actor,
                at,
                policy: &self.policy,
                codes: &code_book(tx)?,
            },
        )?;
        let device_action = DeviceAction {
            id: action_id,
            work_order: id,
            base_version: server_version.max(0) as u64,
            at,
            action,
        };
        tx.execute(
            "INSERT INTO outbox (id, work_order_id, doc, state, created_at)
             VALUES (?1, ?2, ?3, 'pending', ?4)",
            params![
                action_id.to_string(),
                id.to_string(),
                to_json(&device_action)?,
                ts(at)
            ],
        )?;
        tx.execute(
            "UPDATE work_orders SET doc = ?1, status = ?2 WHERE id = ?3",
            params![to_json(&next)?, next.status.as_str(), id.to_string()],
        )?;
        Ok(())
    }

    // --- for the sync engine

    /// Where this device is in the server's data.
    pub fn cursor(&self) -> Result<SyncCursor> {
        let conn = self.lock();
        let raw: Option<String> =
            conn.query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| {
                r.get(0)
            })?;
        match raw {
            Some(raw) => from_json(&raw),
            None => Ok(SyncCursor::START),
        }
    }

    /// Pending actions due to be sent, in the order they were taken. Stops at the first one
    /// still waiting for its retry time (unless `force`), so actions never overtake each other.
    pub(crate) fn due_actions(&self, now: Timestamp, force: bool) -> Result<Vec<DeviceAction>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT doc, next_attempt_at FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([sync::PUSH_BATCH_MAX as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        let mut due = Vec::new();
        for row in rows {
            let (doc, next) = row?;
            if !force
                && next
                    .as_deref()
                    .map(parse_ts)
                    .transpose()?
                    .is_some_and(|n| n > now)
            {
                break;
            }
            due.push(from_json(&doc)?);
        }
        Ok(due)
    }

    /// The server could not be reached, or asked to try later: back off.
    pub(crate) fn postpone(&self, ids: &[ActionId], error: &str, now: Timestamp) -> Result<()> {
        self.write(|tx| {
            for id in ids {
                postpone(tx, *id, error, now)?;
            }
            Ok(())
        })
    }

    /// Records the server's answer to one action.
    pub(crate) fn settle(&self, result: &PushResult, now: Timestamp) -> Result<OutboxState> {
        self.write(|tx| {
            let id = result.id.to_string();
            let work_order: Option<String> = tx
                .query_row(
                    "SELECT work_order_id FROM outbox WHERE id = ?1 AND state = 'pending'",
                    [&id],
                    |r| r.get(0),
                )
                .optional()?;
            // Not ours, or already settled by an earlier answer: nothing to do.
            let Some(work_order) = work_order else {
                return Ok(OutboxState::Applied);
            };
            let state = match &result.outcome {
                PushOutcome::Applied { .. } => OutboxState::Applied,
                PushOutcome::Conflict { .. } => OutboxState::Conflict,
                PushOutcome::Rejected { code, message }
                    if fixline_core::sync::answered_later(code) =>
                {
                    postpone(tx, result.id, message, now)?;
                    return Ok(OutboxState::Pending);
                }
                PushOutcome::Rejected { .. } => OutboxState::Rejected,
            };
            let state_text = match state {
                OutboxState::Applied => "applied",
                OutboxState::Conflict => "conflict",
                _ => "rejected",
            };
            tx.execute(
                "UPDATE outbox SET state = ?1, outcome = ?2, settled_at = ?3, last_error = NULL
                 WHERE id = ?4",
                params![state_text, to_json(&result.outcome)?, ts(now), id],
            )?;
            let user = session(tx)?.ok_or(Error::NotSignedIn)?.user;
            match &result.work_order {
                Some(wo) => self.put_server_work_order(tx, &user, wo)?,
                None => {
                    let id: WorkOrderId = work_order
                        .parse()
                        .map_err(|_| Error::Invalid("bad id in outbox".into()))?;
                    self.reshow(tx, &user, id)?;
                }
            }
            Ok(state)
        })
    }

    /// Stores one pulled page and its cursor in one transaction: a page is kept whole or not at all.
    /// (The sync engine's way in; tests and the knowledge benchmark fill a store through it.)
    pub fn store_page(&self, records: &[PullRecord], cursor: &SyncCursor) -> Result<()> {
        self.write(|tx| {
            let user = session(tx)?.ok_or(Error::NotSignedIn)?.user;
            for record in records {
                self.store_record(tx, &user, record)?;
            }
            tx.execute(
                "UPDATE sync_state SET cursor = ?1 WHERE id = 1",
                [to_json(cursor)?],
            )?;
            Ok(())
        })
    }

    /// Records how a sync ended; an error is kept as `{code, message}` for the status line.
    pub(crate) fn record_attempt(&self, now: Timestamp, error: Option<&Error>) -> Result<()> {
        let error = error
            .map(|e| to_json(&crate::error::ErrorBody::from(e)))
            .transpose()?;
        let error = error.as_deref();
        let conn = self.lock();
        match error {
            None => conn.execute(
                "UPDATE sync_state SET last_sync_at = ?1, last_attempt_at = ?1, last_error = NULL WHERE id = 1",
                [ts(now)],
            )?,
            Some(e) => conn.execute(
                "UPDATE sync_state SET last_attempt_at = ?1, last_error = ?2 WHERE id = 1",
                params![ts(now), e],
            )?,
        };
        Ok(())
    }

    fn store_record(
        &self,
        tx: &Transaction<'_>,
        user: &DeviceUser,
        record: &PullRecord,
    ) -> Result<()> {
        match record {
            PullRecord::WorkOrder(wo) => self.put_server_work_order(tx, user, wo)?,
            PullRecord::CustomerFile(file) => {
                tx.execute(
                    "INSERT OR REPLACE INTO customer_files (id, doc) VALUES (?1, ?2)",
                    params![file.customer.id.to_string(), to_json(file)?],
                )?;
            }
            PullRecord::Article(a) => knowledge::put_article(tx, a)?,
            PullRecord::ArticleRemoved { id } => knowledge::remove_article(tx, *id)?,
            PullRecord::Colleague(c) => {
                tx.execute(
                    "INSERT OR REPLACE INTO colleagues (id, doc) VALUES (?1, ?2)",
                    params![c.id.to_string(), to_json(c)?],
                )?;
            }
            PullRecord::Conflict(c) => {
                tx.execute(
                    "INSERT OR REPLACE INTO conflicts (id, work_order_id, doc) VALUES (?1, ?2, ?3)",
                    params![c.id.to_string(), c.work_order.to_string(), to_json(c)?],
                )?;
            }
            PullRecord::WorkOrderRemoved { id, reason } => {
                if pending_for(tx, *id)? > 0 {
                    tx.execute(
                        "UPDATE work_orders SET removed_reason = ?1 WHERE id = ?2",
                        params![reason, id.to_string()],
                    )?;
                } else {
                    tx.execute("DELETE FROM work_orders WHERE id = ?1", [id.to_string()])?;
                }
            }
        }
        Ok(())
    }

    /// Keeps the server's copy of a job (never an older one) and re-derives the copy shown.
    fn put_server_work_order(
        &self,
        tx: &Transaction<'_>,
        user: &DeviceUser,
        wo: &WorkOrder,
    ) -> Result<()> {
        let held: Option<i64> = tx
            .query_row(
                "SELECT server_version FROM work_orders WHERE id = ?1",
                [wo.id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        if held.is_some_and(|v| v > wo.version as i64) {
            return Ok(());
        }
        tx.execute(
            "INSERT INTO work_orders (id, server_doc, server_version, doc, status)
             VALUES (?1, ?2, ?3, ?2, ?4)
             ON CONFLICT (id) DO UPDATE SET server_doc = ?2, server_version = ?3, removed_reason = NULL",
            params![wo.id.to_string(), to_json(wo)?, wo.version as i64, wo.status.as_str()],
        )?;
        self.reshow(tx, user, wo.id)
    }

    /// The copy shown: the server's copy with this job's pending actions replayed on top.
    fn reshow(&self, tx: &Transaction<'_>, user: &DeviceUser, id: WorkOrderId) -> Result<()> {
        let server: Option<Option<String>> = tx
            .query_row(
                "SELECT server_doc FROM work_orders WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(Some(server)) = server else {
            return Ok(());
        };
        let server: WorkOrder = from_json(&server)?;
        let pending: Vec<DeviceAction> = docs(
            tx,
            "SELECT doc FROM outbox WHERE work_order_id = ?1 AND state = 'pending' ORDER BY seq",
            [id.to_string()],
        )?;
        let actor = user.actor();
        let codes = code_book(tx)?;
        let shown = rebase(&server, pending.iter(), |a| ActionContext {
            actor: &actor,
            at: a.at,
            policy: &self.policy,
            codes: &codes,
        });
        tx.execute(
            "UPDATE work_orders SET doc = ?1, status = ?2 WHERE id = ?3",
            params![to_json(&shown)?, shown.status.as_str(), id.to_string()],
        )?;
        Ok(())
    }
}

fn session(c: &Connection) -> Result<Option<Session>> {
    let row: Option<(String, String, String)> = c
        .query_row(
            "SELECT server_url, token, user FROM session WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(server_url, token, user)| {
        Ok(Session {
            server_url,
            token,
            user: from_json(&user)?,
        })
    })
    .transpose()
}

fn pending_count(c: &Connection) -> Result<u64> {
    let n: i64 = c.query_row(
        "SELECT count(*) FROM outbox WHERE state = 'pending'",
        [],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

fn pending_for(c: &Connection, id: WorkOrderId) -> Result<u32> {
    Ok(c.query_row(
        "SELECT count(*) FROM outbox WHERE work_order_id = ?1 AND state = 'pending'",
        [id.to_string()],
        |r| r.get(0),
    )?)
}

fn postpone(tx: &Transaction<'_>, id: ActionId, error: &str, now: Timestamp) -> Result<()> {
    let attempts: u32 = tx
        .query_row(
            "SELECT attempts FROM outbox WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let attempts = attempts.saturating_add(1);
    tx.execute(
        "UPDATE outbox SET attempts = ?1, next_attempt_at = ?2, last_error = ?3
         WHERE id = ?4 AND state = 'pending'",
        params![
            attempts,
            ts(now + retry_delay(attempts)),
            error,
            id.to_string()
        ],
    )?;
    Ok(())
}

/// Forgets everything of the signed-in user (only ever called with nothing pending).
fn clear(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "DELETE FROM session; DELETE FROM work_orders; DELETE FROM customer_files;
         DELETE FROM articles; DELETE FROM article_text; DELETE FROM article_grams;
         DELETE FROM article_words;
         DELETE FROM colleagues; DELETE FROM outbox; DELETE FROM conflicts;
         UPDATE sync_state SET cursor = NULL, last_sync_at = NULL, last_attempt_at = NULL, last_error = NULL;",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_device_migration_is_embedded_and_valid() {
        assert!(super::migrations().validate().is_ok());
        let crate_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
        let dir = std::path::Path::new(&crate_dir).join("../../migrations/device");
        assert_eq!(
            super::MIGRATIONS.len(),
            std::fs::read_dir(dir).unwrap().count()
        );
    }

    /// Articles on a device from before the word index are found by word, and their words
    /// correct typos, once it upgrades (0008 fills both from the trigram table).
    #[test]
    fn the_word_index_is_filled_from_the_articles_already_there() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_version(&mut conn, 7).unwrap();
        conn.execute(
            "INSERT INTO article_text (rowid, title, symptoms, codes, models, body, lang, audience, kind, boost)
             VALUES (7, 'drain pump leaking', '', '', '', 'check the condenser', 'en', 'staff', 'guide', 1.0)",
            [],
        )
        .unwrap();
        super::migrations().to_latest(&mut conn).unwrap();
        let found: i64 = conn
            .query_row(
                "SELECT rowid FROM article_words WHERE article_words MATCH 'leaks'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(found, 7, "by stem");
        let terms: Vec<String> = conn
            .prepare("SELECT term FROM article_terms ORDER BY term")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            terms,
            ["check", "condenser", "drain", "leaking", "pump", "the"],
            "the words as written"
        );
    }
}
