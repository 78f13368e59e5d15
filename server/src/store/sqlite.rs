//! The embedded store: one SQLite file in WAL mode, one writer connection (SQLite serialises
//! writers anyway) and a few reader connections so reads never wait behind a write.

use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use fixline_core::Timestamp;
use fixline_core::customer::{Asset, Customer, Site};
use fixline_core::engineer::{Engineer, EngineerDetails, EngineerStatus};
use fixline_core::ids::{
    AssetId, CustomerId, EngineerId, PendingIntakeId, SiteId, UserId, WorkOrderId,
};
use fixline_core::intake::PendingIntake;
use fixline_core::position::PositionFix;
use fixline_core::role::Role;
use fixline_core::security::{
    AccessChange, IntakeKeyInfo, RegisteredDevice, SecurityEvent, key_id,
};
use fixline_core::work_order::{
    HistoryEntry, IntakeChannel, Revision, WorkOrder, WorkOrderSummary,
};
use rusqlite::types::Value;
use rusqlite::{
    Connection, OptionalExtension, Transaction, TransactionBehavior, params, params_from_iter,
};
use rusqlite_migration::{M, Migrations};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::record::{Column, Record};
use super::target::{self, Resolved};
use super::{
    Change, ChangeFeed, ChangeOp, FactView, FactsArea, LeaseStore, Page, Paging, PendingResolution,
    SettingStore, Taken, TargetSpec, User, WorkOrderChange, WorkOrderFilter, WorkOrderIntake, like,
    page,
};
use crate::error::{Error, Result};

mod access;
pub mod backup;
mod complaints;
mod customers;
mod engineers;
mod improvements;
mod knowledge;
pub(crate) use knowledge::articles_at;
mod kpis;
mod notices;
mod quality;
mod receipts;
mod staff_notices;
mod surveys;
mod sync;
mod tracking;
mod watch;
mod work_orders;

use customers::customer_file;

use super::schema::MIGRATIONS;

use work_orders::{insert_history, put_work_order};

const READERS: usize = 4;

pub struct SqliteStore {
    writer: Mutex<Connection>,
    /// Empty for an in-memory database, which only the writer can see.
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    feed: broadcast::Sender<Change>,
    /// The highest change published to subscribers, by this store or its watcher.
    published: Arc<AtomicI64>,
    /// Other servers' writes to the same file, published as they are seen.
    _watch: Option<watch::Watch>,
    facts_area: kpis::SharedArea,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("readers", &self.readers.len())
            .finish()
    }
}

/// The migration list, built from `migrations/server/*.sql`.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|(_, sql)| M::up(sql)).collect())
}

fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "busy_timeout", 5000)?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date. A file
    /// written by a newer Fixline is refused rather than misread.
    pub fn open(path: &Path) -> Result<Self> {
        let mut writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(None, "synchronous", "NORMAL")?;
        configure(&writer)?;
        migrations().to_latest(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let c =
                    Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
                configure(&c)?;
                Ok(Mutex::new(c))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut store = Self::with(writer, readers);
        let newest = store.latest_seq()?;
        store.published.store(newest, Ordering::Release);
        store._watch = Some(watch::start(
            path,
            store.feed.clone(),
            Arc::clone(&store.published),
        )?);
        Ok(store)
    }

    pub fn open_in_memory() -> Result<Self> {
        let mut writer = Connection::open_in_memory()?;
        configure(&writer)?;
        migrations().to_latest(&mut writer)?;
        Ok(Self::with(writer, Vec::new()))
    }

    fn with(writer: Connection, readers: Vec<Mutex<Connection>>) -> Self {
        let (feed, _) = broadcast::channel(4096);
        SqliteStore {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            feed,
            published: Arc::default(),
            _watch: None,
            facts_area: Default::default(),
        }
    }

    /// Runs `f` in an IMMEDIATE transaction; the changes it logged are published after commit,
    /// still under the writer lock, so subscribers see them in commit order.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>, &mut ChangeLog) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut log = ChangeLog::default();
        let out = f(&tx, &mut log)?;
        tx.commit()?;
        for change in log.0 {
            self.published.fetch_max(change.seq, Ordering::AcqRel);
            // No subscriber is not an error: the change is in the log for whoever comes later.
            let _ = self.feed.send(change);
        }
        Ok(out)
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        if self.readers.is_empty() {
            return f(&lock(&self.writer));
        }
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let n = self.readers.len();
        // Take a free reader if there is one, else wait on ours.
        for i in 0..n {
            if let Ok(conn) = self.readers[(start + i) % n].try_lock() {
                return f(&conn);
            }
        }
        f(&lock(&self.readers[start % n]))
    }
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock rolled its transaction back; the connection is still good.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn ts(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> Result<Timestamp> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_utc())
        .map_err(|e| Error::Internal(format!("bad timestamp {s:?} in database: {e}")))
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(format!("cannot serialise record: {e}")))
}

fn from_json<T: DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s)
        .map_err(|e| Error::Internal(format!("unreadable record in database: {e}")))
}

/// A record's column as SQLite keeps it: ids and times as text.
fn value(column: Column) -> Value {
    match column {
        Column::Text(t) => Value::Text(t),
        Column::OptText(t) => t.map_or(Value::Null, Value::Text),
        Column::Int(i) => Value::Integer(i),
        Column::Id(id) => Value::Text(id.to_string()),
        Column::OptId(id) => opt_id(id),
        Column::Time(t) => Value::Text(ts(t)),
    }
}

fn opt_id<T: ToString>(id: Option<T>) -> Value {
    id.map_or(Value::Null, |i| Value::Text(i.to_string()))
}

/// Changes logged by a write transaction, published once it commits.
#[derive(Default)]
struct ChangeLog(Vec<Change>);

impl ChangeLog {
    /// Logs `change` (its `seq` is the log's to give) in `tx`.
    fn record(&mut self, tx: &Transaction<'_>, change: Change) -> Result<()> {
        tx.execute(
            "INSERT INTO changes (at, entity, entity_id, op, version, engineer_id, previous_engineer_id, region, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                ts(change.at),
                to_json(&change.entity)?.trim_matches('"'),
                change.entity_id.to_string(),
                to_json(&change.op)?.trim_matches('"'),
                change.version.map(|v| v as i64),
                opt_id(change.engineer_id),
                opt_id(change.previous_engineer_id),
                change.region,
                change.data.to_string(),
            ],
        )?;
        self.0.push(Change {
            seq: tx.last_insert_rowid(),
            ..change
        });
        Ok(())
    }
}

/// The work order whose id `sql` (one parameter, `key`) selects, if it selects one.
fn work_order_found_by(c: &Connection, sql: &str, key: &str) -> Result<Option<WorkOrder>> {
    let id: Option<String> = c.query_row(sql, [key], |r| r.get(0)).optional()?;
    match id.and_then(|i| i.parse::<Uuid>().ok()) {
        Some(id) => get(c, id).map(Some),
        None => Ok(None),
    }
}

fn get<R: Record>(conn: &Connection, id: Uuid) -> Result<R> {
    let doc: Option<String> = conn
        .query_row(
            &format!("SELECT doc FROM {} WHERE id = ?1", R::TABLE),
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    from_json(&doc.ok_or_else(|| Error::not_found(R::NAME, id))?)
}

fn put<R: Record>(
    tx: &Transaction<'_>,
    log: &mut ChangeLog,
    r: &R,
    op: ChangeOp,
    at: Timestamp,
) -> Result<()> {
    write_row(tx, r, op, Vec::new())?;
    log.record(tx, r.change(op, at))
}

/// Inserts (`Created`) or updates the row of a record; `extra` adds columns the record alone
/// cannot fill.
fn write_row<R: Record>(
    tx: &Transaction<'_>,
    r: &R,
    op: ChangeOp,
    extra: Vec<(&'static str, Value)>,
) -> Result<()> {
    let mut cols = vec![
        ("version", Value::Integer(r.version() as i64)),
        ("doc", Value::Text(to_json(r)?)),
    ];
    cols.extend(r.columns().into_iter().map(|(n, c)| (n, value(c))));
    cols.extend(extra);
    let id = Value::Text(r.uuid().to_string());
    let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
    let mut values: Vec<Value> = cols.into_iter().map(|(_, v)| v).collect();
    let sql = if op == ChangeOp::Created {
        let marks = (1..=names.len() + 1)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        values.insert(0, id);
        format!(
            "INSERT INTO {} (id, {}) VALUES ({marks})",
            R::TABLE,
            names.join(", ")
        )
    } else {
        let sets = names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{n} = ?{}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        values.push(id);
        format!(
            "UPDATE {} SET {sets} WHERE id = ?{}",
            R::TABLE,
            values.len()
        )
    };
    tx.execute(&sql, params_from_iter(values))
        .map_err(|e| constraint(e, R::NAME))?;
    Ok(())
}

/// Loads, checks the version, edits and writes back one record.
fn update<R: Record>(
    tx: &Transaction<'_>,
    log: &mut ChangeLog,
    id: Uuid,
    expected: u64,
    at: Timestamp,
    edit: impl FnOnce(&mut R),
) -> Result<R> {
    let mut r: R = get(tx, id)?;
    if r.version() != expected {
        return Err(Error::StaleVersion {
            entity: R::NAME,
            current: r.version(),
        });
    }
    edit(&mut r);
    r.bump(at);
    put(tx, log, &r, ChangeOp::Updated, at)?;
    Ok(r)
}

/// Turns constraint violations into errors a client can act on.
fn constraint(e: rusqlite::Error, what: &'static str) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => {
            let msg = e.to_string();
            if msg.contains("FOREIGN KEY") {
                Error::bad_request(
                    "unknown_reference",
                    format!("this {what} refers to a record that does not exist"),
                )
            } else if msg.contains("UNIQUE") {
                Error::Conflict(format!("a {what} with these details already exists"))
            } else {
                Error::bad_request(
                    "constraint",
                    format!("this {what} breaks a rule of the data: {msg}"),
                )
            }
        }
        _ => Error::Database(e),
    }
}

fn docs<T: DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, |r| r.get::<_, String>(0))?;
    rows.map(|doc| from_json(&doc?)).collect()
}

/// SQL for the digits of a phone column, as people type numbers with spaces, dashes and
/// brackets (and the country code's plus).
fn digits_of(column: &str) -> String {
    format!(
        "replace(replace(replace(replace(replace(coalesce({column}, ''), ' ', ''), '-', ''), '(', ''), ')', ''), '+', '')"
    )
}

impl SettingStore for SqliteStore {
    fn readiness(&self) -> Result<()> {
        self.read(|c| {
            let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if version != MIGRATIONS.len() as i64 {
                return Err(Error::Internal(format!(
                    "the schema is at version {version}, this server needs {}",
                    MIGRATIONS.len()
                )));
            }
            Ok(())
        })
    }

    fn setting(&self, key: &str) -> Result<Option<(serde_json::Value, u64)>> {
        self.read(|c| {
            let row: Option<(String, i64)> = c
                .query_row(
                    "SELECT doc, version FROM settings WHERE key = ?1",
                    [key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            row.map(|(doc, v)| Ok((from_json(&doc)?, v as u64)))
                .transpose()
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
        self.write(|tx, _| {
            let current: i64 = tx
                .query_row(
                    "SELECT version FROM settings WHERE key = ?1",
                    [key],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0);
            if current as u64 != expected {
                return Err(Error::StaleVersion {
                    entity: "setting",
                    current: current as u64,
                });
            }
            tx.execute(
                "INSERT INTO settings (key, doc, version, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (key) DO UPDATE SET doc = ?2, version = ?3, updated_at = ?4, updated_by = ?5",
                params![key, to_json(value)?, current + 1, ts(at), by.to_string()],
            )?;
            Ok(current as u64 + 1)
        })
    }
}

impl LeaseStore for SqliteStore {
    fn hold_lease(
        &self,
        task: &str,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool> {
        self.write(|tx, _| {
            let taken = tx.execute(
                "INSERT INTO leases (task, holder, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (task) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                 WHERE leases.holder = excluded.holder OR leases.expires_at <= ?4",
                params![task, holder, ts(until), ts(now)],
            )?;
            Ok(taken == 1)
        })
    }

    fn release_lease(&self, task: &str, holder: &str) -> Result<()> {
        self.write(|tx, _| {
            tx.execute(
                "DELETE FROM leases WHERE task = ?1 AND holder = ?2",
                params![task, holder],
            )?;
            Ok(())
        })
    }
}

impl ChangeFeed for SqliteStore {
    fn changes_since(&self, seq: i64, limit: u32) -> Result<Vec<Change>> {
        self.read(|c| changes_after(c, seq, limit))
    }

    fn latest_seq(&self) -> Result<i64> {
        self.read(|c| {
            Ok(
                c.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| {
                    r.get(0)
                })?,
            )
        })
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.feed.subscribe()
    }
}

/// The change log after `seq`, oldest first.
fn changes_after(c: &Connection, seq: i64, limit: u32) -> Result<Vec<Change>> {
    let mut stmt = c.prepare_cached(
                "SELECT seq, at, entity, entity_id, op, version, engineer_id, previous_engineer_id, region, data
                 FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
    let rows = stmt.query_map(params![seq, limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, Option<String>>(8)?,
            r.get::<_, String>(9)?,
        ))
    })?;
    rows.map(|row| {
        let (seq, at, entity, entity_id, op, version, engineer, previous, region, data) = row?;
        let id = |s: Option<String>| {
            s.map(|s| s.parse::<EngineerId>())
                .transpose()
                .map_err(Error::from)
        };
        Ok(Change {
            seq,
            at: parse_ts(&at)?,
            entity: from_json(&format!("{entity:?}"))?,
            entity_id: entity_id
                .parse()
                .map_err(|_| Error::Internal("bad id in change log".into()))?,
            op: from_json(&format!("{op:?}"))?,
            version: version.map(|v| v as u64),
            engineer_id: id(engineer)?,
            previous_engineer_id: id(previous)?,
            region,
            data: from_json(&data)?,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_held_by_one_until_it_runs_out_or_is_given_up() {
        let store = SqliteStore::open_in_memory().unwrap();
        let t0 = chrono::Utc::now();
        let at = |s: i64| t0 + chrono::TimeDelta::seconds(s);
        assert!(store.hold_lease("late_jobs", "a", at(0), at(3)).unwrap());
        assert!(!store.hold_lease("late_jobs", "b", at(1), at(4)).unwrap());
        assert!(
            store.hold_lease("late_jobs", "a", at(2), at(5)).unwrap(),
            "renewed"
        );
        assert!(!store.hold_lease("late_jobs", "b", at(4), at(7)).unwrap());
        assert!(
            store.hold_lease("other", "b", at(4), at(7)).unwrap(),
            "a lease per task"
        );
        assert!(
            store.hold_lease("late_jobs", "b", at(5), at(8)).unwrap(),
            "ran out"
        );
        assert!(!store.hold_lease("late_jobs", "a", at(6), at(9)).unwrap());
        store.release_lease("late_jobs", "a").unwrap();
        assert!(
            !store.hold_lease("late_jobs", "a", at(6), at(9)).unwrap(),
            "not a's to give up"
        );
        store.release_lease("late_jobs", "b").unwrap();
        assert!(
            store.hold_lease("late_jobs", "a", at(6), at(9)).unwrap(),
            "given up"
        );
    }

    #[test]
    fn migrations_are_valid_and_every_file_is_embedded() {
        // migrations/embed.rs refuses a gap or a repeat in the numbering at build time.
        assert!(migrations().validate().is_ok());
        let crate_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
        let files =
            std::fs::read_dir(std::path::Path::new(&crate_dir).join("../migrations/server"))
                .unwrap()
                .count();
        assert_eq!(MIGRATIONS.len(), files);
    }

    #[test]
    fn a_database_from_a_newer_fixline_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newer.db");
        drop(SqliteStore::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", (MIGRATIONS.len() + 1) as i64)
            .unwrap();
        drop(conn);
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(matches!(err, Error::Migration(_)), "{err}");
        // Opening again with a matching schema works and keeps WAL.
        let conn = Connection::open(&path).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn history_is_append_only() {
        let store = SqliteStore::open_in_memory().unwrap();
        let conn = lock(&store.writer);
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO work_order_history (work_order_id, version, at, recorded_at, doc) VALUES ('x', 1, 't', 't', '{}');",
        )
        .unwrap();
        assert!(
            conn.execute("UPDATE work_order_history SET doc = '{\"forged\":1}'", [])
                .is_err()
        );
        assert!(conn.execute("DELETE FROM work_order_history", []).is_err());
    }
}
