//! The notification outbox on SQLite. What a job's change tells the customer is written in
//! that change's transaction (core decides what, from the job before and after); the worker
//! claims due rows, and settles each as sent, retried later, or dead.

use super::*;
use crate::store::NoticeStore;
use chrono::TimeDelta;
use fixline_core::Timestamp;
use fixline_core::complaint::Complaint;
use fixline_core::customer::Language;
use fixline_core::notify::{Channel, Delivery, DeliveryState, NoticeSubject};
use fixline_core::work_order::WorkOrder;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use uuid::Uuid;

use fixline_core::customer::{Contact, Customer};

use super::{SqliteStore, docs, get, parse_ts, ts};
use crate::error::{Error, Result};
use crate::store::outbox::Told;

/// Writes what this change of a job tells the customer and the staff.
pub(super) fn enqueue(
    tx: &Transaction<'_>,
    before: Option<&WorkOrder>,
    after: &WorkOrder,
    at: Timestamp,
) -> Result<()> {
    write(tx, &Told::work_order(before, after), at)
}

/// Writes what this change of a complaint tells the customer who made it, and the staff.
pub(super) fn enqueue_for_complaint(
    tx: &Transaction<'_>,
    before: &Complaint,
    after: &Complaint,
    at: Timestamp,
) -> Result<()> {
    write(tx, &Told::complaint(before, after), at)
}

fn write(tx: &Transaction<'_>, told: &Told<'_>, at: Timestamp) -> Result<()> {
    super::staff_notices::write(tx, &told.staff, &told.about, at)?;
    if told.events.is_empty() {
        return Ok(());
    }
    let customer: Customer = get(tx, *told.customer.as_uuid())?;
    let contacts: Vec<Contact> = docs(
        tx,
        "SELECT doc FROM contacts WHERE customer_id = ?1 ORDER BY rowid",
        [customer.id.to_string()],
    )?;
    // Integrations that asked for these events, each its own recipient.
    let hooks: Option<String> = tx
        .query_row(
            "SELECT doc FROM settings WHERE key = ?1",
            [crate::webhooks::SETTING],
            |r| r.get(0),
        )
        .optional()?;
    let hooks = match hooks {
        Some(doc) => crate::webhooks::from_doc(super::from_json(&doc)?)?,
        None => Vec::new(),
    };
    for row in told.addressed(&customer, &contacts, &hooks) {
        tx.execute(
            "INSERT OR IGNORE INTO deliveries
               (id, subject, subject_id, version, event, channel, recipient, language, state,
                due_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9, ?9)",
            params![
                Uuid::now_v7().to_string(),
                told.subject.kind(),
                told.subject.id().to_string(),
                told.version as i64,
                row.event.as_str(),
                row.channel.as_str(),
                row.recipient,
                row.language,
                ts(at)
            ],
        )?;
    }
    Ok(())
}

const COLUMNS: &str = "id, subject, subject_id, event, channel, recipient, language, state,
    attempts, due_at, last_error, sent_at, created_at";

/// One row, in `COLUMNS` order, as the desk and the worker see it.
fn read_delivery(r: &Row<'_>) -> Result<Delivery> {
    let bad = |what: &str| Error::Internal(format!("bad {what} in deliveries"));
    let text = |i: usize| r.get::<_, String>(i);
    let word = |i: usize| text(i).map(serde_json::Value::String);
    let sent_at: Option<String> = r.get(11)?;
    let subject_id = text(2)?.parse().map_err(|_| bad("subject"))?;
    let subject = NoticeSubject::parse(&text(1)?, subject_id).ok_or_else(|| bad("subject"))?;
    let (work_order, complaint) = match subject {
        NoticeSubject::WorkOrder(w) => (Some(w), None),
        NoticeSubject::Complaint(c) => (None, Some(c)),
    };
    Ok(Delivery {
        id: text(0)?.parse().map_err(|_| bad("id"))?,
        work_order,
        complaint,
        event: serde_json::from_value(word(3)?).map_err(|_| bad("event"))?,
        channel: Channel::parse(&text(4)?).ok_or_else(|| bad("channel"))?,
        recipient: text(5)?,
        language: serde_json::from_value::<Language>(word(6)?).map_err(|_| bad("language"))?,
        state: DeliveryState::parse(&text(7)?).ok_or_else(|| bad("state"))?,
        attempts: r.get(8)?,
        due_at: parse_ts(&text(9)?)?,
        last_error: r.get(10)?,
        sent_at: sent_at.as_deref().map(parse_ts).transpose()?,
        created_at: parse_ts(&text(12)?)?,
    })
}

fn query(c: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<Vec<Delivery>> {
    let mut stmt = c.prepare(sql)?;
    let mut rows = stmt.query(p)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(read_delivery(r)?);
    }
    Ok(out)
}

impl NoticeStore for SqliteStore {
    /// Claims up to `limit` deliveries due at `now` (a `sending` one whose lease ran out was
    /// claimed by a worker that died): they are `sending` until `now + lease`.
    fn claim_deliveries(
        &self,
        now: Timestamp,
        lease: TimeDelta,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        self.write(|tx, _| {
            let due = query(
                tx,
                &format!(
                    "SELECT {COLUMNS} FROM deliveries
                     WHERE state IN ('pending', 'sending') AND due_at <= ?1
                     ORDER BY due_at LIMIT ?2"
                ),
                params![ts(now), limit],
            )?;
            for d in &due {
                tx.execute(
                    "UPDATE deliveries SET state = 'sending', due_at = ?2 WHERE id = ?1",
                    params![d.id.to_string(), ts(now + lease)],
                )?;
            }
            Ok(due)
        })
    }

    /// Records how a send went: sent, or not (`retry_at` none: dead), or held back untried
    /// until `retry_at` (quiet hours: `failed` none, the attempt not counted).
    fn settle_delivery(
        &self,
        id: Uuid,
        outcome: crate::store::DeliveryOutcome,
        now: Timestamp,
    ) -> Result<()> {
        use crate::store::DeliveryOutcome as O;
        self.write(|tx, _| {
            let id = id.to_string();
            match outcome {
                O::Sent => tx.execute(
                    "UPDATE deliveries SET state = 'sent', attempts = attempts + 1, sent_at = ?2,
                        last_error = NULL WHERE id = ?1 AND state = 'sending'",
                    params![id, ts(now)],
                )?,
                O::Skipped { reason } => tx.execute(
                    "UPDATE deliveries SET state = 'skipped', last_error = ?2
                     WHERE id = ?1 AND state = 'sending'",
                    params![id, reason],
                )?,
                O::Held { until } => tx.execute(
                    "UPDATE deliveries SET state = 'pending', due_at = ?2
                     WHERE id = ?1 AND state = 'sending'",
                    params![id, ts(until)],
                )?,
                O::Failed { error, retry_at } => tx.execute(
                    "UPDATE deliveries SET state = ?2, attempts = attempts + 1, due_at = ?3,
                        last_error = ?4 WHERE id = ?1 AND state = 'sending'",
                    params![
                        id,
                        if retry_at.is_some() {
                            "pending"
                        } else {
                            "dead"
                        },
                        ts(retry_at.unwrap_or(now)),
                        error
                    ],
                )?,
            };
            Ok(())
        })
    }

    /// The deliveries in one state (all if none), newest first, or one job's or complaint's.
    fn deliveries(
        &self,
        state: Option<DeliveryState>,
        about: Option<NoticeSubject>,
        webhook: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        self.read(|c| {
            query(
                c,
                &format!(
                    "SELECT {COLUMNS} FROM deliveries
                     WHERE (?1 IS NULL OR state = ?1)
                       AND (?2 IS NULL OR (subject = ?2 AND subject_id = ?3))
                       AND (?4 IS NULL OR (channel = 'webhook' AND recipient = ?4))
                     ORDER BY created_at DESC, rowid DESC LIMIT ?5"
                ),
                params![
                    state.map(DeliveryState::as_str),
                    about.map(NoticeSubject::kind),
                    about.map(|a| a.id().to_string()),
                    webhook.map(|w| w.to_string()),
                    limit
                ],
            )
        })
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

    /// Puts a dead delivery back in the queue, due now, with its attempts counted afresh.
    fn resend_delivery(&self, id: Uuid, now: Timestamp) -> Result<Delivery> {
        self.write(|tx, _| {
            let found = query(
                tx,
                &format!("SELECT {COLUMNS} FROM deliveries WHERE id = ?1"),
                [id.to_string()],
            )?;
            let Some(d) = found.into_iter().next() else {
                return Err(Error::not_found("notification", id));
            };
            let d = crate::store::outbox::resent(d, now)?;
            tx.execute(
                "UPDATE deliveries SET state = 'pending', attempts = 0, due_at = ?2 WHERE id = ?1",
                params![id.to_string(), ts(now)],
            )?;
            Ok(d)
        })
    }
}
