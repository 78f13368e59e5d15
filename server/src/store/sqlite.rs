//! The embedded store: one SQLite file in WAL mode, one writer connection (SQLite serialises
//! writers anyway) and a few reader connections so reads never wait behind a write.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use fixline_core::Timestamp;
use fixline_core::customer::history::FileEdit;
use fixline_core::customer::{
    Asset, AssetDetails, Contact, ContactDetails, ContractTier, Customer, CustomerDetails,
    CustomerFile, CustomerKind, Language, Site, SiteDetails,
};
use fixline_core::engineer::{Engineer, EngineerDetails, EngineerStatus};
use fixline_core::ids::{
    AssetId, ContactId, CustomerId, EngineerId, PendingIntakeId, SiteId, UserId, WorkOrderId,
};
use fixline_core::intake::{PendingIntake, PendingState};
use fixline_core::position::PositionFix;
use fixline_core::role::Role;
use fixline_core::security::{
    AccessChange, IntakeKeyInfo, RegisteredDevice, SecurityEvent, key_id,
};
use fixline_core::work_order::{
    HistoryEntry, HistoryEvent, IntakeChannel, Revision, WorkOrder, WorkOrderSummary,
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

use super::{
    ArticleFilter, Attach, Change, ChangeOp, DeviceDecision, Entity, FactRow, FactsArea, Page,
    Paging, PendingResolution, ServiceTarget, Store, Taken, TargetSpec, User, Visibility,
    WorkOrderChange, WorkOrderFilter, WorkOrderIntake,
};
use crate::error::{Error, Result};
use fixline_core::ids::ArticleId;
use fixline_core::knowledge::{Article, ArticleEdit, PastFix};
use fixline_core::role::Actor;
use fixline_core::sync::{DeviceAction, PullPage, PushResult, SyncConflict, SyncCursor};

pub mod backup;
mod complaints;
mod customers;
mod improvements;
mod knowledge;
mod kpis;
mod notices;
mod quality;
mod staff_notices;
mod surveys;
mod sync;
mod tracking;

use customers::customer_file;

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

const READERS: usize = 4;

pub struct SqliteStore {
    writer: Mutex<Connection>,
    /// Empty for an in-memory database, which only the writer can see.
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    feed: broadcast::Sender<Change>,
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
        Ok(Self::with(writer, readers))
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

fn opt_id<T: ToString>(id: Option<T>) -> Value {
    id.map_or(Value::Null, |i| Value::Text(i.to_string()))
}

/// Changes logged by a write transaction, published once it commits.
#[derive(Default)]
struct ChangeLog(Vec<Change>);

struct ChangeDraft {
    entity: Entity,
    entity_id: Uuid,
    op: ChangeOp,
    version: Option<u64>,
    engineer_id: Option<EngineerId>,
    previous_engineer_id: Option<EngineerId>,
    region: Option<String>,
    data: serde_json::Value,
}

impl ChangeLog {
    fn record(&mut self, tx: &Transaction<'_>, at: Timestamp, d: ChangeDraft) -> Result<()> {
        tx.execute(
            "INSERT INTO changes (at, entity, entity_id, op, version, engineer_id, previous_engineer_id, region, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                ts(at),
                to_json(&d.entity)?.trim_matches('"'),
                d.entity_id.to_string(),
                to_json(&d.op)?.trim_matches('"'),
                d.version.map(|v| v as i64),
                opt_id(d.engineer_id),
                opt_id(d.previous_engineer_id),
                d.region,
                d.data.to_string(),
            ],
        )?;
        self.0.push(Change {
            seq: tx.last_insert_rowid(),
            at,
            entity: d.entity,
            entity_id: d.entity_id,
            op: d.op,
            version: d.version,
            engineer_id: d.engineer_id,
            previous_engineer_id: d.previous_engineer_id,
            region: d.region,
            data: d.data,
        });
        Ok(())
    }
}

/// `uuid` and `version` of a record with `id` and `version` fields.
macro_rules! record_identity {
    () => {
        fn uuid(&self) -> Uuid {
            *self.id.as_uuid()
        }
        fn version(&self) -> u64 {
            self.version
        }
    };
}

/// `bump`: the next version, and (for records that keep one) the time of the change.
macro_rules! bump_version {
    () => {
        fn bump(&mut self, _: Timestamp) {
            self.version += 1;
        }
    };
    (updated_at) => {
        fn bump(&mut self, at: Timestamp) {
            self.version += 1;
            self.updated_at = at;
        }
    };
}
pub(super) use {bump_version, record_identity};

/// A record kept as a JSON document plus indexed columns.
trait Record: Serialize + DeserializeOwned {
    const TABLE: &'static str;
    const ENTITY: Entity;
    const NAME: &'static str;
    fn uuid(&self) -> Uuid;
    fn version(&self) -> u64;
    fn bump(&mut self, at: Timestamp);
    /// Indexed columns besides `id`, `version` and `doc`.
    fn columns(&self) -> Vec<(&'static str, Value)>;
    fn region(&self) -> Option<String> {
        None
    }
    fn summary(&self) -> serde_json::Value {
        serde_json::json!({})
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
    log.record(
        tx,
        at,
        ChangeDraft {
            entity: R::ENTITY,
            entity_id: r.uuid(),
            op,
            version: Some(r.version()),
            engineer_id: None,
            previous_engineer_id: None,
            region: r.region(),
            data: r.summary(),
        },
    )
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
    cols.extend(r.columns());
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

impl Record for Engineer {
    const TABLE: &'static str = "engineers";
    const ENTITY: Entity = Entity::Engineer;
    const NAME: &'static str = "engineer";
    record_identity!();
    bump_version!(updated_at);
    fn columns(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("region", Value::Text(self.details.region.clone())),
            ("name", Value::Text(self.details.name.clone())),
            ("updated_at", Value::Text(ts(self.updated_at))),
        ]
    }
    fn region(&self) -> Option<String> {
        Some(self.details.region.clone())
    }
    fn summary(&self) -> serde_json::Value {
        serde_json::json!({ "name": self.details.name, "status": self.status, "last_position": self.last_position })
    }
}

impl Record for WorkOrder {
    const TABLE: &'static str = "work_orders";
    const ENTITY: Entity = Entity::WorkOrder;
    const NAME: &'static str = "work order";
    record_identity!();
    bump_version!(updated_at);
    fn columns(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("status", Value::Text(self.status.as_str().to_owned())),
            ("priority", Value::Text(self.priority.as_str().to_owned())),
            ("assignee", opt_id(self.assignee)),
            ("updated_at", Value::Text(ts(self.updated_at))),
        ]
    }
    fn summary(&self) -> serde_json::Value {
        serde_json::to_value(self.summary()).unwrap_or_default()
    }
}

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(User, String)> {
    let id: String = r.get("id")?;
    let role: String = r.get("role")?;
    let engineer: Option<String> = r.get("engineer_id")?;
    let bad = |what: &str| {
        rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
    };
    Ok((
        User {
            id: id.parse().map_err(|_| bad("id"))?,
            username: r.get("username")?,
            display_name: r.get("display_name")?,
            role: Role::parse(&role).ok_or_else(|| bad("role"))?,
            engineer_id: engineer
                .map(|e| e.parse())
                .transpose()
                .map_err(|_| bad("engineer_id"))?,
            disabled: r.get("disabled")?,
        },
        r.get("password_hash")?,
    ))
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

fn page<T>(items: Vec<T>, paging: Paging, total: i64) -> Page<T> {
    Page {
        items,
        page: paging.page,
        per_page: paging.per_page,
        total: total.max(0) as u64,
    }
}

/// SQL for the digits of a phone column, as people type numbers with spaces, dashes and
/// brackets (and the country code's plus).
fn digits_of(column: &str) -> String {
    format!(
        "replace(replace(replace(replace(replace(coalesce({column}, ''), ' ', ''), '-', ''), '(', ''), ')', ''), '+', '')"
    )
}

fn like(text: &str) -> String {
    let escaped = text
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl SqliteStore {
    fn search_text(conn: &Connection, wo: &WorkOrder) -> Result<(String, String)> {
        let customer: Customer = get(conn, *wo.customer_id.as_uuid())?;
        let site: Site = get(conn, *wo.site_id.as_uuid())?;
        let text = format!(
            "{} {} {} {}",
            wo.number, wo.symptom, customer.details.name, site.details.address
        )
        .to_lowercase();
        Ok((text, site.details.region))
    }
}

impl Store for SqliteStore {
    fn create_improvement_action(
        &self,
        action: &fixline_core::improvement::ImprovementAction,
    ) -> Result<()> {
        SqliteStore::create_improvement_action(self, action)
    }

    fn update_improvement_action(
        &self,
        id: fixline_core::ids::ImprovementId,
        expected: u64,
        edit: &mut dyn FnMut(
            &fixline_core::improvement::ImprovementAction,
        ) -> Result<fixline_core::improvement::ImprovementAction>,
    ) -> Result<fixline_core::improvement::ImprovementAction> {
        SqliteStore::update_improvement_action(self, id, expected, edit)
    }

    fn improvement_actions(&self) -> Result<Vec<fixline_core::improvement::ImprovementAction>> {
        SqliteStore::improvement_actions(self)
    }

    fn set_facts_area(&self, area: FactsArea) -> Result<()> {
        self.set_facts_area_and_backfill(area)
    }

    fn job_facts_page(
        &self,
        filter: &fixline_api::kpi::KpiFilter,
        paging: Paging,
    ) -> Result<(Vec<FactRow>, u64)> {
        self.job_facts_page_in(filter, paging)
    }

    fn fold_job_facts(
        &self,
        filter: &fixline_api::kpi::KpiFilter,
        each: &mut dyn FnMut(&super::FactView<'_>),
    ) -> Result<()> {
        self.fold_job_facts_in(filter, each)
    }

    fn put_part(&self, part: &fixline_core::billing::Part, at: Timestamp) -> Result<()> {
        let doc = serde_json::to_string(part).map_err(|e| Error::Internal(e.to_string()))?;
        self.write(|tx, _| {
            tx.execute(
                "INSERT INTO parts (part_number, name, doc, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (part_number) DO UPDATE SET name = excluded.name, doc = excluded.doc,
                     updated_at = excluded.updated_at",
                params![part.part_number, part.name, doc, ts(at)],
            )?;
            Ok(())
        })
    }

    fn parts(&self) -> Result<Vec<fixline_core::billing::Part>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT doc FROM parts ORDER BY part_number")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.map(|doc| {
                serde_json::from_str(&doc?).map_err(|e| Error::Internal(format!("part: {e}")))
            })
            .collect()
        })
    }

    fn register_device_key(
        &self,
        key: &str,
        user: UserId,
        name: &str,
        at: Timestamp,
    ) -> Result<bool> {
        self.write(|tx, _| {
            let owner: Option<String> = tx
                .query_row(
                    "SELECT user_id FROM device_keys WHERE public_key = ?1",
                    [key],
                    |r| r.get(0),
                )
                .optional()?;
            let revoked: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM device_keys WHERE public_key = ?1 AND revoked_at IS NOT NULL)",
                [key],
                |r| r.get(0),
            )?;
            match owner {
                Some(_) if revoked => Err(Error::bad_request_with_status(
                    axum::http::StatusCode::CONFLICT,
                    "device_key_revoked",
                    "this device's key was revoked; the app makes a new one",
                )),
                Some(o) if o == user.to_string() => Ok(false),
                Some(_) => Err(Error::Conflict(
                    "this device key is registered to another user".into(),
                )),
                None => {
                    tx.execute(
                        "INSERT INTO device_keys (public_key, user_id, name, registered_at) VALUES (?1, ?2, ?3, ?4)",
                        params![key, user.to_string(), name, ts(at)],
                    )?;
                    Ok(true)
                }
            }
        })
    }

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

    fn device_key_user(&self, key: &str) -> Result<Option<UserId>> {
        self.read(|c| {
            let user: Option<String> = c
                .query_row(
                    "SELECT user_id FROM device_keys WHERE public_key = ?1 AND revoked_at IS NULL",
                    [key],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(user.and_then(|u| u.parse().ok()))
        })
    }

    fn claim_deliveries(
        &self,
        now: Timestamp,
        lease: chrono::TimeDelta,
        limit: u32,
    ) -> Result<Vec<fixline_core::notify::Delivery>> {
        SqliteStore::claim_deliveries(self, now, lease, limit)
    }

    fn settle_delivery(
        &self,
        id: Uuid,
        outcome: super::DeliveryOutcome,
        now: Timestamp,
    ) -> Result<()> {
        SqliteStore::settle_delivery(self, id, outcome, now)
    }

    fn deliveries(
        &self,
        state: Option<fixline_core::notify::DeliveryState>,
        about: Option<fixline_core::notify::NoticeSubject>,
        webhook: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<fixline_core::notify::Delivery>> {
        SqliteStore::deliveries(self, state, about, webhook, limit)
    }

    fn staff_notices(
        &self,
        user: UserId,
        unread_only: bool,
        limit: u32,
    ) -> Result<Vec<fixline_core::notify::StaffNotice>> {
        SqliteStore::staff_notices(self, user, unread_only, limit)
    }

    fn read_staff_notices(&self, user: UserId, id: Option<Uuid>, at: Timestamp) -> Result<()> {
        SqliteStore::read_staff_notices(self, user, id, at)
    }

    fn resend_delivery(&self, id: Uuid, now: Timestamp) -> Result<fixline_core::notify::Delivery> {
        SqliteStore::resend_delivery(self, id, now)
    }

    fn first_device_registration(&self, user: UserId) -> Result<Option<Timestamp>> {
        self.read(|c| {
            let first: Option<String> = c.query_row(
                "SELECT MIN(registered_at) FROM device_keys WHERE user_id = ?1",
                [user.to_string()],
                |r| r.get(0),
            )?;
            first.as_deref().map(parse_ts).transpose()
        })
    }

    fn device_key_owner(&self, key: &str) -> Result<Option<(String, Option<Timestamp>)>> {
        self.read(|c| {
            let row: Option<(String, Option<String>)> = c
                .query_row(
                    "SELECT u.display_name, k.revoked_at FROM device_keys k JOIN users u ON u.id = k.user_id
                     WHERE k.public_key = ?1",
                    [key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            row.map(|(name, revoked)| Ok((name, revoked.as_deref().map(parse_ts).transpose()?)))
                .transpose()
        })
    }

    fn device_keys(&self) -> Result<Vec<RegisteredDevice>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT k.public_key, k.user_id, u.username, k.name, k.registered_at, k.revoked_at
                 FROM device_keys k JOIN users u ON u.id = k.user_id ORDER BY k.registered_at DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })?;
            rows.map(|row| {
                let (public_key, user, username, name, registered, revoked) = row?;
                Ok(RegisteredDevice {
                    public_key,
                    user_id: user
                        .parse()
                        .map_err(|_| Error::Internal("bad user id in device_keys".into()))?,
                    username,
                    name,
                    registered_at: parse_ts(&registered)?,
                    revoked_at: revoked.as_deref().map(parse_ts).transpose()?,
                })
            })
            .collect()
        })
    }

    fn revoke_device_key(&self, key: &str, event: &SecurityEvent) -> Result<()> {
        self.write(|tx, _| {
            let n = tx.execute(
                "UPDATE device_keys SET revoked_at = ?2 WHERE public_key = ?1 AND revoked_at IS NULL",
                params![key, ts(event.at)],
            )?;
            if n == 0 {
                return Err(Error::not_found("device key in use", key));
            }
            insert_security_event(tx, event)
        })
    }

    fn intake_keys(&self) -> Result<Vec<IntakeKeyInfo>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT key_hash, channel, label, created_at, revoked_at FROM intake_keys ORDER BY created_at DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })?;
            rows.map(|row| {
                let (hash, channel, label, created, revoked) = row?;
                Ok(IntakeKeyInfo {
                    id: key_id(&hash),
                    channel: IntakeChannel::parse(&channel)
                        .ok_or_else(|| Error::Internal(format!("unknown channel {channel:?}")))?,
                    label,
                    created_at: parse_ts(&created)?,
                    revoked_at: revoked.as_deref().map(parse_ts).transpose()?,
                })
            })
            .collect()
        })
    }

    fn revoke_intake_key(&self, id: &str, event: &SecurityEvent) -> Result<()> {
        self.write(|tx, _| {
            let hashes: Vec<Vec<u8>> = {
                let mut stmt =
                    tx.prepare("SELECT key_hash FROM intake_keys WHERE revoked_at IS NULL")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let Some(hash) = hashes.into_iter().find(|h| key_id(h) == id) else {
                return Err(Error::not_found("intake key in use", id));
            };
            tx.execute(
                "UPDATE intake_keys SET revoked_at = ?2 WHERE key_hash = ?1",
                params![hash, ts(event.at)],
            )?;
            insert_security_event(tx, event)
        })
    }

    fn server_seal_secret(&self, candidate: [u8; 32]) -> Result<[u8; 32]> {
        self.write(|tx, _| {
            tx.execute(
                "INSERT OR IGNORE INTO server_seal_key (id, secret) VALUES (1, ?1)",
                [candidate.as_slice()],
            )?;
            let secret: Vec<u8> =
                tx.query_row("SELECT secret FROM server_seal_key WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
            secret
                .try_into()
                .map_err(|_| Error::Internal("the stored seal key is not 32 bytes".into()))
        })
    }

    fn work_orders_naming_blob(&self, sha256: &str) -> Result<Vec<WorkOrder>> {
        self.read(|c| {
            // A SHA-256 in hex appears in a job's document only as a photo's or receipt's name.
            let mut stmt =
                c.prepare_cached("SELECT id FROM work_orders WHERE instr(doc, ?1) > 0 LIMIT 50")?;
            let ids = stmt
                .query_map([sha256], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            ids.iter()
                .filter_map(|id| id.parse::<Uuid>().ok())
                .map(|id| get(c, id))
                .collect()
        })
    }

    fn record_blob_jobs(
        &self,
        sha256: &str,
        jobs: &[WorkOrderId],
        by: Option<UserId>,
        at: Timestamp,
    ) -> Result<()> {
        self.write(|tx, _| {
            for job in jobs {
                tx.execute(
                    "INSERT OR IGNORE INTO blob_jobs (sha256, work_order_id, uploaded_by, at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![sha256, job.to_string(), by.map(|u| u.to_string()), ts(at)],
                )?;
            }
            Ok(())
        })
    }

    fn blob_reached(&self, sha256: &str, engineer: EngineerId) -> Result<bool> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT EXISTS (SELECT 1 FROM blob_jobs b JOIN work_orders w ON w.id = b.work_order_id
                 WHERE b.sha256 = ?1 AND w.assignee = ?2)",
                [sha256, &engineer.to_string()],
                |r| r.get(0),
            )?)
        })
    }

    fn tracking_token(
        &self,
        work_order: WorkOrderId,
        candidate: &str,
        at: Timestamp,
    ) -> Result<String> {
        SqliteStore::tracking_token(self, work_order, candidate, at)
    }

    fn work_order_by_tracking_token(&self, token: &str) -> Result<Option<WorkOrder>> {
        SqliteStore::work_order_by_tracking_token(self, token)
    }

    fn work_order_by_receipt_token(&self, token: &str) -> Result<Option<WorkOrder>> {
        self.read(|c| {
            work_order_found_by(
                c,
                "SELECT id FROM work_orders WHERE json_extract(doc, '$.receipt.token') = ?1",
                token,
            )
        })
    }

    fn record_receipt_mail(
        &self,
        id: WorkOrderId,
        recipient: &str,
        at: Timestamp,
        error: Option<&str>,
    ) -> Result<()> {
        self.write(|tx, _| {
            tx.execute(
                "INSERT INTO receipt_mail (work_order_id, recipient, sent_at, error) VALUES (?1, ?2, ?3, ?4)",
                params![id.to_string(), recipient, ts(at), error],
            )?;
            Ok(())
        })
    }

    fn create_user(&self, user: &User, password_hash: &str, at: Timestamp) -> Result<()> {
        self.write(|tx, _| {
            tx.execute(
                "INSERT INTO users (id, username, display_name, role, engineer_id, password_hash, disabled, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    user.id.to_string(),
                    user.username,
                    user.display_name,
                    user.role.as_str(),
                    opt_id(user.engineer_id),
                    password_hash,
                    user.disabled,
                    ts(at)
                ],
            )
            .map_err(|e| match constraint(e, "user") {
                Error::Conflict(_) => Error::Conflict(format!("the user name {:?} is taken, or that engineer already has a login", user.username)),
                Error::BadRequest { code: "constraint", .. } => {
                    Error::bad_request("invalid_input", "an engineer login needs an engineer record, and only engineers have one")
                }
                other => other,
            })?;
            if let Some(e) = user.engineer_id {
                let mut engineer: Engineer = get(tx, *e.as_uuid())?;
                engineer.user_id = Some(user.id);
                write_row(tx, &engineer, ChangeOp::Updated, Vec::new())?;
            }
            Ok(())
        })
    }

    fn user_with_password(&self, username: &str) -> Result<Option<(User, String)>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT * FROM users WHERE username = ?1",
                [username],
                user_from_row,
            )
            .optional()?)
        })
    }

    fn list_users(&self) -> Result<Vec<User>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT * FROM users ORDER BY username")?;
            let rows = stmt.query_map([], user_from_row)?;
            Ok(rows
                .map(|r| r.map(|(u, _)| u))
                .collect::<rusqlite::Result<_>>()?)
        })
    }

    fn create_session(
        &self,
        token_hash: &[u8],
        user: UserId,
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        self.write(|tx, _| {
            tx.execute("DELETE FROM sessions WHERE expires_at < ?1", [ts(at)])?;
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash, user.to_string(), ts(at), ts(expires_at)],
            )?;
            Ok(())
        })
    }

    fn user_by_session(&self, token_hash: &[u8], now: Timestamp) -> Result<Option<User>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
                params![token_hash, ts(now)],
                user_from_row,
            )
            .optional()?
            .map(|(u, _)| u))
        })
    }

    fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        self.write(|tx, _| {
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
            Ok(())
        })
    }

    fn change_access(
        &self,
        id: UserId,
        change: &AccessChange,
        password_hash: Option<&str>,
        event: &SecurityEvent,
    ) -> Result<User> {
        self.write(|tx, _| {
            let user = id.to_string();
            let found = match change {
                AccessChange::Disable => {
                    tx.execute("UPDATE users SET disabled = 1 WHERE id = ?1", [&user])?
                }
                AccessChange::Enable => {
                    tx.execute("UPDATE users SET disabled = 0 WHERE id = ?1", [&user])?
                }
                AccessChange::ResetPassword { .. } => tx.execute(
                    "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                    params![user, password_hash.unwrap_or_default()],
                )?,
                AccessChange::SignOutEverywhere => {
                    tx.query_row("SELECT count(*) FROM users WHERE id = ?1", [&user], |r| {
                        r.get::<_, i64>(0)
                    })? as usize
                }
                AccessChange::ChangeRole { role, engineer_id } => {
                    change_role(tx, id, *role, *engineer_id)?
                }
            };
            if found == 0 {
                return Err(Error::not_found("user", id));
            }
            if change.ends_sessions() {
                tx.execute("DELETE FROM sessions WHERE user_id = ?1", [&user])?;
            }
            insert_security_event(tx, event)?;
            Ok(tx
                .query_row("SELECT * FROM users WHERE id = ?1", [&user], user_from_row)?
                .0)
        })
    }

    fn record_security_event(&self, event: &SecurityEvent) -> Result<()> {
        self.write(|tx, _| insert_security_event(tx, event))
    }

    fn security_events(&self, limit: u32) -> Result<Vec<SecurityEvent>> {
        self.read(|c| {
            docs(
                c,
                "SELECT doc FROM security_events ORDER BY seq DESC LIMIT ?1",
                params![limit.clamp(1, 1000)],
            )
        })
    }

    fn create_customer(
        &self,
        id: CustomerId,
        details: CustomerDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Customer> {
        SqliteStore::create_customer(self, id, details, by, at)
    }

    fn update_customer(
        &self,
        id: CustomerId,
        expected: u64,
        details: CustomerDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Customer> {
        SqliteStore::update_customer(self, id, expected, details, by, at)
    }

    fn customer_file(&self, id: CustomerId) -> Result<CustomerFile> {
        SqliteStore::customer_file(self, id)
    }

    fn file_history(&self, id: CustomerId) -> Result<Vec<FileEdit>> {
        SqliteStore::file_history(self, id)
    }

    fn list_customers(
        &self,
        text: Option<&str>,
        visibility: Visibility,
        paging: Paging,
    ) -> Result<Page<Customer>> {
        SqliteStore::list_customers(self, text, visibility, paging)
    }

    fn add_contact(
        &self,
        id: ContactId,
        customer: CustomerId,
        details: ContactDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Contact> {
        SqliteStore::add_contact(self, id, customer, details, by, at)
    }

    fn update_contact(
        &self,
        id: ContactId,
        expected: u64,
        details: ContactDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Contact> {
        SqliteStore::update_contact(self, id, expected, details, by, at)
    }

    fn contact(&self, id: ContactId) -> Result<Contact> {
        SqliteStore::contact(self, id)
    }

    fn create_site(
        &self,
        id: SiteId,
        customer: CustomerId,
        details: SiteDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Site> {
        SqliteStore::create_site(self, id, customer, details, by, at)
    }

    fn update_site(
        &self,
        id: SiteId,
        expected: u64,
        details: SiteDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Site> {
        SqliteStore::update_site(self, id, expected, details, by, at)
    }

    fn site(&self, id: SiteId) -> Result<Site> {
        SqliteStore::site(self, id)
    }

    fn create_asset(
        &self,
        id: AssetId,
        customer: CustomerId,
        details: AssetDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Asset> {
        SqliteStore::create_asset(self, id, customer, details, by, at)
    }

    fn update_asset(
        &self,
        id: AssetId,
        expected: u64,
        details: AssetDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Asset> {
        SqliteStore::update_asset(self, id, expected, details, by, at)
    }

    fn asset(&self, id: AssetId) -> Result<Asset> {
        SqliteStore::asset(self, id)
    }

    fn customer(&self, id: CustomerId) -> Result<Customer> {
        SqliteStore::customer(self, id)
    }

    fn every_customer(&self) -> Result<Vec<Customer>> {
        self.every("customers")
    }

    fn every_site(&self) -> Result<Vec<Site>> {
        self.every("sites")
    }

    fn every_asset(&self) -> Result<Vec<Asset>> {
        self.every("assets")
    }

    fn engineer_serves_customer(&self, engineer: EngineerId, customer: CustomerId) -> Result<bool> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT EXISTS (SELECT 1 FROM work_orders WHERE assignee = ?1 AND customer_id = ?2)",
                [engineer.to_string(), customer.to_string()],
                |r| r.get(0),
            )?)
        })
    }

    fn create_engineer(
        &self,
        id: EngineerId,
        details: EngineerDetails,
        at: Timestamp,
    ) -> Result<Engineer> {
        let engineer = Engineer {
            id,
            user_id: None,
            details: details.validated()?,
            status: EngineerStatus::OffShift,
            last_position: None,
            updated_at: at,
            version: 1,
        };
        self.write(|tx, log| put(tx, log, &engineer, ChangeOp::Created, at))?;
        Ok(engineer)
    }

    fn update_engineer(
        &self,
        id: EngineerId,
        expected: u64,
        details: EngineerDetails,
        status: Option<EngineerStatus>,
        at: Timestamp,
    ) -> Result<Engineer> {
        let details = details.validated()?;
        self.write(|tx, log| {
            update(tx, log, *id.as_uuid(), expected, at, |e: &mut Engineer| {
                e.details = details;
                e.status = status.unwrap_or(e.status);
            })
        })
    }

    fn engineer(&self, id: EngineerId) -> Result<Engineer> {
        self.read(|c| get(c, *id.as_uuid()))
    }

    fn list_engineers(&self, region: Option<&str>, paging: Paging) -> Result<Page<Engineer>> {
        self.read(|c| {
            let region = region.unwrap_or("");
            let filter = "(?1 = '' OR region = ?1)";
            let total: i64 = c.query_row(
                &format!("SELECT count(*) FROM engineers WHERE {filter}"),
                [region],
                |r| r.get(0),
            )?;
            let items = docs(
                c,
                &format!(
                    "SELECT doc FROM engineers WHERE {filter} ORDER BY name, id LIMIT ?2 OFFSET ?3"
                ),
                params![region, paging.per_page, paging.offset()],
            )?;
            Ok(page(items, paging, total))
        })
    }

    fn record_position(&self, id: EngineerId, fix: PositionFix, at: Timestamp) -> Result<Engineer> {
        self.write(|tx, log| {
            let mut engineer: Engineer = get(tx, *id.as_uuid())?;
            // Pings arrive out of order after a device reconnects; only a newer fix moves the pin.
            if engineer.last_position.is_none_or(|last| fix.at >= last.at) {
                engineer.last_position = Some(fix);
                // Position is not an edit: the version stays, so pings never make a form stale.
                tx.execute(
                    "UPDATE engineers SET doc = ?1 WHERE id = ?2",
                    params![to_json(&engineer)?, id.to_string()],
                )?;
            }
            log.record(
                tx,
                at,
                ChangeDraft {
                    entity: Entity::Engineer,
                    entity_id: *id.as_uuid(),
                    op: ChangeOp::Position,
                    version: None,
                    engineer_id: Some(id),
                    previous_engineer_id: None,
                    region: Some(engineer.details.region.clone()),
                    data: serde_json::json!({ "position": fix.position, "at": fix.at }),
                },
            )?;
            Ok(engineer)
        })
    }

    fn create_work_order(&self, intake: WorkOrderIntake, at: Timestamp) -> Result<(Taken, bool)> {
        let channel = intake.channel.as_str();
        self.write(|tx, log| {
            if let Some(key) = &intake.idempotency_key {
                let existing: Option<String> = tx
                    .query_row(
                        "SELECT w.doc FROM intake_requests r JOIN work_orders w ON w.id = r.work_order_id
                         WHERE r.channel = ?1 AND r.idempotency_key = ?2",
                        [channel, key],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(doc) = existing {
                    return Ok((Taken::Opened(Box::new(from_json(&doc)?)), true));
                }
                let held: Option<String> = tx
                    .query_row(
                        "SELECT doc FROM pending_intakes WHERE channel = ?1 AND idempotency_key = ?2",
                        [channel, key],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(doc) = held {
                    return Ok((Taken::Held(Box::new(from_json(&doc)?)), true));
                }
            }
            let seq: i64 = tx.query_row("SELECT coalesce(max(number_seq), 0) + 1 FROM work_orders", [], |r| r.get(0))?;
            let target = match resolve_target(tx, log, &intake.target, at)? {
                Resolved::Target(t) => *t,
                Resolved::Matched { customer, asset } => {
                    let pending = PendingIntake {
                        id: PendingIntakeId::from_uuid(Uuid::now_v7()),
                        channel: intake.channel,
                        received_at: at,
                        request: intake.request.clone(),
                        matched_customer: customer,
                        matched_asset: asset,
                        state: PendingState::Waiting,
                        work_order_id: None,
                        reason: None,
                        resolved_at: None,
                        resolved_by: None,
                    };
                    tx.execute(
                        "INSERT INTO pending_intakes (id, channel, idempotency_key, state, received_at, doc)
                         VALUES (?1, ?2, ?3, 'waiting', ?4, ?5)",
                        params![pending.id.to_string(), channel, intake.idempotency_key, ts(at), to_json(&pending)?],
                    )?;
                    return Ok((Taken::Held(Box::new(pending)), false));
                }
            };
            let wo = (intake.build)(&target, format!("WO-{seq:06}"))?;
            let (search, region) = Self::search_text(tx, &wo)?;
            let extra = vec![
                ("number_seq", Value::Integer(seq)),
                ("customer_id", Value::Text(wo.customer_id.to_string())),
                ("site_id", Value::Text(wo.site_id.to_string())),
                ("region", Value::Text(region.clone())),
                ("channel", Value::Text(channel.to_owned())),
                ("created_at", Value::Text(ts(wo.created_at))),
                ("search_text", Value::Text(search)),
            ];
            put_work_order(
                tx,
                log,
                &wo,
                None,
                ChangeOp::Created,
                at,
                extra,
                &region,
                &self.facts_area(),
            )?;
            insert_history(
                tx,
                at,
                &HistoryEntry {
                    work_order_id: wo.id,
                    version: wo.version,
                    at: wo.created_at,
                    actor: intake.actor.clone(),
                    event: HistoryEvent::Created { channel: intake.channel },
                    status_after: wo.status,
                },
            )?;
            if let Some(key) = &intake.idempotency_key {
                tx.execute(
                    "INSERT INTO intake_requests (channel, idempotency_key, work_order_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![channel, key, wo.id.to_string(), ts(at)],
                )?;
            }
            Ok((Taken::Opened(Box::new(wo)), false))
        })
    }

    fn work_order(&self, id: WorkOrderId) -> Result<WorkOrder> {
        self.read(|c| get(c, *id.as_uuid()))
    }

    fn list_work_orders(
        &self,
        f: &WorkOrderFilter,
        paging: Paging,
    ) -> Result<Page<WorkOrderSummary>> {
        let mut clauses: Vec<String> = vec!["1 = 1".into()];
        let mut args: Vec<Value> = Vec::new();
        let mut push = |clauses: &mut Vec<String>, sql: &str, v: Value| {
            args.push(v);
            clauses.push(sql.replace("?#", &format!("?{}", args.len())));
        };
        if !f.statuses.is_empty() {
            let list = f
                .statuses
                .iter()
                .map(|s| format!("'{}'", s.as_str()))
                .collect::<Vec<_>>()
                .join(", ");
            clauses.push(format!("status IN ({list})"));
        }
        if !f.priorities.is_empty() {
            let list = f
                .priorities
                .iter()
                .map(|p| format!("'{}'", p.as_str()))
                .collect::<Vec<_>>()
                .join(", ");
            clauses.push(format!("priority IN ({list})"));
        }
        if f.open_only {
            clauses.push("status NOT IN ('completed', 'confirmed', 'closed', 'cancelled')".into());
        }
        if let Some(e) = f.assignee {
            push(&mut clauses, "assignee = ?#", Value::Text(e.to_string()));
        }
        if let Some(c) = f.customer {
            push(&mut clauses, "customer_id = ?#", Value::Text(c.to_string()));
        }
        if let Some(r) = &f.region {
            push(&mut clauses, "region = ?#", Value::Text(r.clone()));
        }
        if let Some(t) = f.created_from {
            push(&mut clauses, "created_at >= ?#", Value::Text(ts(t)));
        }
        if let Some(t) = f.created_to {
            push(&mut clauses, "created_at < ?#", Value::Text(ts(t)));
        }
        if let Some(text) = f.text.as_deref().filter(|t| !t.trim().is_empty()) {
            push(
                &mut clauses,
                "search_text LIKE ?# ESCAPE '\\'",
                Value::Text(like(text)),
            );
        }
        let filter = clauses.join(" AND ");
        let order = if f.open_only {
            "priority, created_at, id"
        } else {
            "created_at DESC, id"
        };
        self.read(|c| {
            let total: i64 = c.query_row(&format!("SELECT count(*) FROM work_orders WHERE {filter}"), params_from_iter(&args), |r| r.get(0))?;
            let mut args = args.clone();
            args.push(Value::Integer(i64::from(paging.per_page)));
            args.push(Value::Integer(paging.offset()));
            let n = args.len();
            let orders: Vec<WorkOrder> = docs(
                c,
                &format!("SELECT doc FROM work_orders WHERE {filter} ORDER BY {order} LIMIT ?{} OFFSET ?{n}", n - 1),
                params_from_iter(&args),
            )?;
            Ok(page(orders.iter().map(WorkOrder::summary).collect(), paging, total))
        })
    }

    fn update_work_order(
        &self,
        id: WorkOrderId,
        expected: Option<u64>,
        at: Timestamp,
        change: WorkOrderChange<'_>,
    ) -> Result<WorkOrder> {
        self.write(|tx, log| {
            let current: WorkOrder = get(tx, *id.as_uuid())?;
            if expected.is_some_and(|v| v != current.version) {
                return Err(Error::StaleVersion {
                    entity: "work order",
                    current: current.version,
                });
            }
            let Revision { next, entry } = change(&current)?;
            if next.version != current.version + 1
                || entry.version != next.version
                || next.id != current.id
            {
                return Err(Error::Internal(
                    "a work-order edit must advance the version by one".into(),
                ));
            }
            let (search, region) = Self::search_text(tx, &next)?;
            let extra = vec![("search_text", Value::Text(search))];
            put_work_order(
                tx,
                log,
                &next,
                Some(&current),
                ChangeOp::Updated,
                at,
                extra,
                &region,
                &self.facts_area(),
            )?;
            insert_history(tx, at, &entry)?;
            Ok(next)
        })
    }

    fn history(&self, id: WorkOrderId) -> Result<Vec<HistoryEntry>> {
        self.read(|c| {
            get::<WorkOrder>(c, *id.as_uuid())?;
            docs(
                c,
                "SELECT doc FROM work_order_history WHERE work_order_id = ?1 ORDER BY version",
                [id.to_string()],
            )
        })
    }

    fn add_intake_key(
        &self,
        key_hash: &[u8],
        channel: IntakeChannel,
        label: &str,
        at: Timestamp,
    ) -> Result<()> {
        self.write(|tx, _| {
            tx.execute(
                "INSERT INTO intake_keys (key_hash, channel, label, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![key_hash, channel.as_str(), label, ts(at)],
            )?;
            Ok(())
        })
    }

    fn intake_channel_for_key(&self, key_hash: &[u8]) -> Result<Option<IntakeChannel>> {
        self.read(|c| {
            let channel: Option<String> = c
                .query_row(
                    "SELECT channel FROM intake_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
                    [key_hash],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(channel.and_then(|c| IntakeChannel::parse(&c)))
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

    fn pending_intakes(&self, all: bool) -> Result<Vec<PendingIntake>> {
        self.read(|c| {
            docs(
                c,
                "SELECT doc FROM pending_intakes WHERE ?1 OR state = 'waiting' ORDER BY received_at, id",
                [all],
            )
        })
    }

    fn pending_intake(&self, id: PendingIntakeId) -> Result<PendingIntake> {
        self.read(|c| pending_intake(c, id))
    }

    fn resolve_pending_intake(
        &self,
        id: PendingIntakeId,
        resolution: PendingResolution,
        by: UserId,
        at: Timestamp,
    ) -> Result<PendingIntake> {
        self.write(|tx, _log| {
            let mut pending = pending_intake(tx, id)?;
            let (state, work_order, reason) = match &resolution {
                PendingResolution::Filed(wo) => (PendingState::Filed, Some(*wo), None),
                PendingResolution::Rejected(r) => (PendingState::Rejected, None, Some(r.clone())),
            };
            match pending.state {
                PendingState::Waiting => {}
                done if done == state && pending.work_order_id == work_order => return Ok(pending),
                PendingState::Filed => {
                    return Err(Error::Conflict("this request was already filed".to_owned()));
                }
                PendingState::Rejected => {
                    return Err(Error::Conflict(
                        "this request was already turned down".to_owned(),
                    ));
                }
            }
            pending.state = state;
            pending.work_order_id = work_order;
            pending.reason = reason;
            pending.resolved_at = Some(at);
            pending.resolved_by = Some(by);
            let state = match state {
                PendingState::Waiting => "waiting",
                PendingState::Filed => "filed",
                PendingState::Rejected => "rejected",
            };
            tx.execute(
                "UPDATE pending_intakes SET state = ?2, doc = ?3 WHERE id = ?1",
                params![id.to_string(), state, to_json(&pending)?],
            )?;
            Ok(pending)
        })
    }

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

    fn create_article(&self, article: &Article, at: Timestamp) -> Result<()> {
        SqliteStore::create_article(self, article, at)
    }

    fn edit_article(
        &self,
        id: ArticleId,
        expected: u64,
        edit: ArticleEdit,
        at: Timestamp,
    ) -> Result<Article> {
        SqliteStore::edit_article(self, id, expected, edit, at)
    }

    fn article(&self, id: ArticleId) -> Result<Article> {
        SqliteStore::article(self, id)
    }

    fn list_articles(&self, filter: &ArticleFilter, paging: Paging) -> Result<Page<Article>> {
        SqliteStore::list_articles(self, filter, paging)
    }

    fn find_articles(
        &self,
        query: &str,
        scope: &fixline_kb::Scope,
        limit: usize,
    ) -> Result<Vec<Article>> {
        SqliteStore::find_articles(self, query, scope, limit)
    }

    fn suggest_articles(
        &self,
        model: Option<&str>,
        fault_code: Option<&str>,
        symptom: &str,
        scope: &fixline_kb::Scope,
        limit: usize,
    ) -> Result<Vec<Article>> {
        SqliteStore::suggest_articles(self, model, fault_code, symptom, scope, limit)
    }

    fn past_fixes(
        &self,
        job: WorkOrderId,
        model: &str,
        fault_code: Option<&str>,
    ) -> Result<Vec<PastFix>> {
        SqliteStore::past_fixes(self, job, model, fault_code)
    }

    fn article_image(&self, sha256: &str, public_only: bool) -> Result<Option<String>> {
        SqliteStore::article_image(self, sha256, public_only)
    }

    fn record_help_read(&self, visitor: &str, article: ArticleId, at: Timestamp) -> Result<()> {
        SqliteStore::record_help_read(self, visitor, article, at)
    }

    fn link_help_reads(&self, visitor: &str, request: WorkOrderId) -> Result<()> {
        SqliteStore::link_help_reads(self, visitor, request)
    }

    fn article_read_stats(&self) -> Result<Vec<fixline_api::knowledge::ArticleReadStats>> {
        SqliteStore::article_read_stats(self)
    }

    fn adopt_guides(
        &self,
        keep_image: &dyn Fn(&[u8]) -> Result<String>,
        at: Timestamp,
    ) -> Result<usize> {
        SqliteStore::adopt_guides(self, keep_image, at)
    }

    fn apply_device_action(
        &self,
        actor: &Actor,
        action: &DeviceAction,
        now: Timestamp,
        decide: DeviceDecision<'_>,
    ) -> Result<PushResult> {
        SqliteStore::apply_device_action(self, actor, action, now, decide)
    }

    fn pull(&self, engineer: EngineerId, cursor: SyncCursor, limit: u32) -> Result<PullPage> {
        SqliteStore::pull(self, engineer, cursor, limit)
    }

    fn conflicts(&self, engineer: Option<EngineerId>, limit: u32) -> Result<Vec<SyncConflict>> {
        SqliteStore::conflicts(self, engineer, limit)
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.feed.subscribe()
    }

    fn create_complaint(
        &self,
        build: &mut dyn FnMut(String) -> Result<fixline_core::complaint::Complaint>,
        at: Timestamp,
    ) -> Result<fixline_core::complaint::Complaint> {
        SqliteStore::create_complaint(self, build, at)
    }

    fn complaint(
        &self,
        id: fixline_core::ids::ComplaintId,
    ) -> Result<fixline_core::complaint::Complaint> {
        SqliteStore::complaint(self, id)
    }

    fn complaints(
        &self,
        open_only: bool,
        limit: u32,
    ) -> Result<Vec<fixline_core::complaint::Complaint>> {
        SqliteStore::complaints(self, open_only, limit)
    }

    fn complaints_past_deadline(
        &self,
        now: Timestamp,
    ) -> Result<Vec<fixline_core::complaint::Complaint>> {
        SqliteStore::complaints_past_deadline(self, now)
    }

    fn complaints_received(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<fixline_core::complaint::Complaint>> {
        SqliteStore::complaints_received(self, from, to)
    }

    fn complaints_of_customer(
        &self,
        customer: CustomerId,
    ) -> Result<Vec<fixline_core::complaint::Complaint>> {
        SqliteStore::complaints_of_customer(self, customer)
    }

    fn survey(&self, work_order: WorkOrderId) -> Result<Option<fixline_core::survey::Survey>> {
        SqliteStore::survey(self, work_order)
    }

    fn save_qa_review(&self, review: &fixline_core::quality::QaReview) -> Result<()> {
        SqliteStore::save_qa_review(self, review)
    }

    fn qa_reviews(&self, week: Option<&str>) -> Result<Vec<fixline_core::quality::QaReview>> {
        SqliteStore::qa_reviews(self, week)
    }

    fn answer_survey(
        &self,
        work_order: WorkOrderId,
        revise: &mut dyn FnMut(
            Option<&fixline_core::survey::Survey>,
        ) -> Result<fixline_core::survey::Survey>,
    ) -> Result<fixline_core::survey::Survey> {
        SqliteStore::answer_survey(self, work_order, revise)
    }

    fn update_complaint(
        &self,
        id: fixline_core::ids::ComplaintId,
        expected: Option<u64>,
        edit: crate::store::ComplaintEdit<'_>,
        at: Timestamp,
    ) -> Result<fixline_core::complaint::Complaint> {
        SqliteStore::update_complaint(self, id, expected, edit, at)
    }
}

/// Writes a work order row and logs the change, scoped to its engineer (and the one it left),
/// with what the change tells the customer in the notification outbox.
#[allow(clippy::too_many_arguments)]
fn put_work_order(
    tx: &Transaction<'_>,
    log: &mut ChangeLog,
    wo: &WorkOrder,
    before: Option<&WorkOrder>,
    op: ChangeOp,
    at: DateTime<Utc>,
    extra: Vec<(&'static str, Value)>,
    region: &str,
    area: &FactsArea,
) -> Result<()> {
    write_row(tx, wo, op, extra)?;
    kpis::write(tx, area, wo, region)?;
    knowledge::count_answers(tx, before, wo)?;
    notices::enqueue(tx, before, wo, at)?;
    let previous = before.and_then(|b| b.assignee);
    log.record(
        tx,
        at,
        ChangeDraft {
            entity: Entity::WorkOrder,
            entity_id: *wo.id.as_uuid(),
            op,
            version: Some(wo.version),
            engineer_id: wo.assignee,
            previous_engineer_id: previous.filter(|p| Some(*p) != wo.assignee),
            region: Some(region.to_owned()),
            data: Record::summary(wo),
        },
    )
}

/// Gives a login another role, moving its link to an engineer record (the engineer record
/// names its login too). Returns how many logins it found (0 or 1).
fn change_role(
    tx: &Transaction<'_>,
    id: UserId,
    role: Role,
    engineer_id: Option<EngineerId>,
) -> Result<usize> {
    let user = id.to_string();
    let Some(before) = tx
        .query_row(
            "SELECT engineer_id FROM users WHERE id = ?1",
            [&user],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
    else {
        return Ok(0);
    };
    let before = before.and_then(|e| e.parse::<EngineerId>().ok());
    if before == engineer_id {
        tx.execute(
            "UPDATE users SET role = ?2 WHERE id = ?1",
            params![user, role.as_str()],
        )?;
        return Ok(1);
    }
    if let Some(e) = before {
        let mut engineer: Engineer = get(tx, *e.as_uuid())?;
        engineer.user_id = None;
        write_row(tx, &engineer, ChangeOp::Updated, Vec::new())?;
    }
    if let Some(e) = engineer_id {
        let mut engineer: Engineer = get(tx, *e.as_uuid())?;
        engineer.user_id = Some(id);
        write_row(tx, &engineer, ChangeOp::Updated, Vec::new())?;
    }
    tx.execute(
        "UPDATE users SET role = ?2, engineer_id = ?3 WHERE id = ?1",
        params![user, role.as_str(), opt_id(engineer_id)],
    )
    .map_err(|e| match constraint(e, "user") {
        Error::Conflict(_) => Error::Conflict("that engineer already has a login".to_owned()),
        other => other,
    })?;
    Ok(1)
}

fn insert_security_event(tx: &Transaction<'_>, event: &SecurityEvent) -> Result<()> {
    tx.execute(
        "INSERT INTO security_events (at, kind, actor, subject, address, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![ts(event.at), event.kind.as_str(), event.actor, event.subject, event.address, to_json(event)?],
    )?;
    Ok(())
}

fn insert_history(
    tx: &Transaction<'_>,
    recorded_at: Timestamp,
    entry: &HistoryEntry,
) -> Result<()> {
    tx.execute(
        "INSERT INTO work_order_history (work_order_id, version, at, recorded_at, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![entry.work_order_id.to_string(), entry.version as i64, ts(entry.at), ts(recorded_at), to_json(entry)?],
    )?;
    Ok(())
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

fn pending_intake(c: &Connection, id: PendingIntakeId) -> Result<PendingIntake> {
    let doc: Option<String> = c
        .query_row(
            "SELECT doc FROM pending_intakes WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    from_json(&doc.ok_or_else(|| Error::not_found("pending intake", id))?)
}

/// What a request resolved to: its customer, site and asset, or (for an outside channel) the
/// customer on file it matched, which only the desk may confirm.
enum Resolved {
    Target(Box<ServiceTarget>),
    Matched {
        customer: CustomerId,
        asset: Option<AssetId>,
    },
}

/// Finds (or for a new caller, creates) the customer, site and asset a request is about.
fn resolve_target(
    tx: &Transaction<'_>,
    log: &mut ChangeLog,
    spec: &TargetSpec,
    at: Timestamp,
) -> Result<Resolved> {
    let (serial, ids, caller) = (spec.serial.as_deref(), spec.ids, spec.caller.as_ref());
    let hold = spec.attach == Attach::Hold;
    if let Some(serial) = serial.map(str::trim).filter(|s| !s.is_empty()) {
        let found: Option<String> = tx
            .query_row(
                "SELECT doc FROM assets WHERE serial = ?1 LIMIT 1",
                [serial],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(doc) = found {
            let asset: Asset = from_json(&doc)?;
            if hold {
                return Ok(Resolved::Matched {
                    customer: asset.customer_id,
                    asset: Some(asset.id),
                });
            }
            return Ok(Resolved::Target(Box::new(ServiceTarget {
                customer: get(tx, *asset.customer_id.as_uuid())?,
                site: get(tx, *asset.details.site_id.as_uuid())?,
                asset: Some(asset),
            })));
        }
    }
    if let Some((customer, site, asset)) = ids {
        let customer: Customer = get(tx, *customer.as_uuid())?;
        let site: Site = get(tx, *site.as_uuid())?;
        let asset: Option<Asset> = asset.map(|a| get(tx, *a.as_uuid())).transpose()?;
        if site.customer_id != customer.id
            || asset.as_ref().is_some_and(|a| a.customer_id != customer.id)
        {
            return Err(Error::bad_request(
                "invalid_input",
                "the site or asset belongs to another customer",
            ));
        }
        if hold {
            return Ok(Resolved::Matched {
                customer: customer.id,
                asset: asset.map(|a| a.id),
            });
        }
        return Ok(Resolved::Target(Box::new(ServiceTarget {
            customer,
            site,
            asset,
        })));
    }
    let Some(caller) = caller else {
        return Err(Error::bad_request(
            "invalid_input",
            "say who needs service: an asset serial, customer and site ids, or the caller's name, phone and address",
        ));
    };
    let phone = fixline_core::text::phone("caller.phone", &caller.phone)?;
    let known: Option<String> = match spec.attach {
        Attach::NewCustomer => None,
        Attach::Known | Attach::Hold => tx
            .query_row(
                &format!(
                    "SELECT id FROM customers WHERE {d} = ?1
                     UNION ALL SELECT customer_id FROM contacts WHERE {d} = ?1 LIMIT 1",
                    d = digits_of("phone")
                ),
                [phone
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>()],
                |r| r.get(0),
            )
            .optional()?,
    };
    if hold && let Some(id) = &known {
        return Ok(Resolved::Matched {
            customer: id
                .parse()
                .map_err(|_| Error::Internal("bad customer id".into()))?,
            asset: None,
        });
    }
    let site_details = SiteDetails {
        name: caller.address.clone(),
        address: caller.address.clone(),
        city: caller.city.clone(),
        region: caller.region.clone(),
        position: None,
        access_notes: None,
    }
    .validated()?;
    let customer: Customer = match known {
        Some(id) => get(
            tx,
            id.parse()
                .map_err(|_| Error::Internal("bad customer id".into()))?,
        )?,
        None => {
            let customer = Customer {
                id: CustomerId::from_uuid(Uuid::now_v7()),
                details: CustomerDetails {
                    name: caller.name.clone(),
                    kind: CustomerKind::Household,
                    phone: Some(phone.clone()),
                    email: None,
                    language: Language::ZhCn,
                    tier: ContractTier::Basic,
                    notes: None,
                    quiet_hours: None,
                }
                .validated()?,
                created_at: at,
                updated_at: at,
                version: 1,
            };
            put(tx, log, &customer, ChangeOp::Created, at)?;
            customer
        }
    };
    let sites: Vec<Site> = docs(
        tx,
        "SELECT doc FROM sites WHERE customer_id = ?1 ORDER BY rowid",
        [customer.id.to_string()],
    )?;
    let site = match sites
        .into_iter()
        .find(|s| s.details.address == site_details.address)
    {
        Some(site) => site,
        None => {
            let site = Site {
                id: SiteId::from_uuid(Uuid::now_v7()),
                customer_id: customer.id,
                details: site_details,
                version: 1,
            };
            put(tx, log, &site, ChangeOp::Created, at)?;
            site
        }
    };
    Ok(Resolved::Target(Box::new(ServiceTarget {
        customer,
        site,
        asset: None,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

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
