//! The notification outbox and staff notices on PostgreSQL: workers on any server claim due
//! rows with `FOR UPDATE SKIP LOCKED`, so two never claim the same one and neither waits on
//! the other.

use chrono::TimeDelta;
use fixline_core::Timestamp;
use fixline_core::customer::Language;
use fixline_core::ids::{ComplaintId, UserId, WorkOrderId};
use fixline_core::notify::{
    Channel, Delivery, DeliveryState, NoticeSubject, StaffNotice, StaffNoticeKind,
};
use tokio_postgres::Row;
use uuid::Uuid;

use super::PgStore;
use crate::error::{Error, Result};
use crate::store::{DeliveryOutcome, NoticeStore};

const COLUMNS: &str = "id, subject, subject_id, event, channel, recipient, language, state,
    attempts, due_at, last_error, sent_at, created_at";

/// One row, in `COLUMNS` order, as the desk and the worker see it.
fn delivery(r: &Row) -> Result<Delivery> {
    let bad = |what: &str| Error::Internal(format!("bad {what} in deliveries"));
    let word = |i: usize| serde_json::Value::String(r.get::<_, String>(i));
    let subject = NoticeSubject::parse(r.get(1), r.get(2)).ok_or_else(|| bad("subject"))?;
    let (work_order, complaint) = match subject {
        NoticeSubject::WorkOrder(w) => (Some(w), None),
        NoticeSubject::Complaint(c) => (None, Some(c)),
    };
    Ok(Delivery {
        id: r.get(0),
        work_order,
        complaint,
        event: serde_json::from_value(word(3)).map_err(|_| bad("event"))?,
        channel: Channel::parse(r.get(4)).ok_or_else(|| bad("channel"))?,
        recipient: r.get(5),
        language: serde_json::from_value::<Language>(word(6)).map_err(|_| bad("language"))?,
        state: DeliveryState::parse(r.get(7)).ok_or_else(|| bad("state"))?,
        attempts: u32::try_from(r.get::<_, i32>(8)).map_err(|_| bad("attempts"))?,
        due_at: r.get(9),
        last_error: r.get(10),
        sent_at: r.get(11),
        created_at: r.get(12),
    })
}

impl NoticeStore for PgStore {
    fn claim_deliveries(
        &self,
        now: Timestamp,
        lease: TimeDelta,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        let (until, limit) = (now + lease, i64::from(limit));
        self.with(move |c| async move {
            c.query(
                &format!(
                    "WITH due AS (
                         SELECT {COLUMNS} FROM deliveries
                         WHERE state IN ('pending', 'sending') AND due_at <= $1
                         ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED),
                     claimed AS (
                         UPDATE deliveries d SET state = 'sending', due_at = $2
                         FROM due WHERE d.id = due.id)
                     SELECT * FROM due ORDER BY due_at"
                ),
                &[&now, &until, &limit],
            )
            .await?
            .iter()
            .map(delivery)
            .collect()
        })
    }

    fn settle_delivery(&self, id: Uuid, outcome: DeliveryOutcome, now: Timestamp) -> Result<()> {
        self.with(move |c| async move {
            match outcome {
                DeliveryOutcome::Sent => {
                    c.execute(
                        "UPDATE deliveries SET state = 'sent', attempts = attempts + 1,
                            sent_at = $2, last_error = NULL WHERE id = $1 AND state = 'sending'",
                        &[&id, &now],
                    )
                    .await?
                }
                DeliveryOutcome::Skipped { reason } => {
                    c.execute(
                        "UPDATE deliveries SET state = 'skipped', last_error = $2
                         WHERE id = $1 AND state = 'sending'",
                        &[&id, &reason],
                    )
                    .await?
                }
                DeliveryOutcome::Held { until } => {
                    c.execute(
                        "UPDATE deliveries SET state = 'pending', due_at = $2
                         WHERE id = $1 AND state = 'sending'",
                        &[&id, &until],
                    )
                    .await?
                }
                DeliveryOutcome::Failed { error, retry_at } => {
                    let state = if retry_at.is_some() {
                        "pending"
                    } else {
                        "dead"
                    };
                    c.execute(
                        "UPDATE deliveries SET state = $2, attempts = attempts + 1, due_at = $3,
                            last_error = $4 WHERE id = $1 AND state = 'sending'",
                        &[&id, &state, &retry_at.unwrap_or(now), &error],
                    )
                    .await?
                }
            };
            Ok(())
        })
    }

    fn deliveries(
        &self,
        state: Option<DeliveryState>,
        about: Option<NoticeSubject>,
        webhook: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        let state = state.map(DeliveryState::as_str);
        let (kind, subject) = (about.map(NoticeSubject::kind), about.map(NoticeSubject::id));
        let webhook = webhook.map(|w| w.to_string());
        let limit = i64::from(limit);
        self.with(move |c| async move {
            c.query(
                &format!(
                    "SELECT {COLUMNS} FROM deliveries
                     WHERE ($1::text IS NULL OR state = $1)
                       AND ($2::text IS NULL OR (subject = $2 AND subject_id = $3))
                       AND ($4::text IS NULL OR (channel = 'webhook' AND recipient = $4))
                     ORDER BY created_at DESC, id DESC LIMIT $5"
                ),
                &[&state, &kind, &subject, &webhook, &limit],
            )
            .await?
            .iter()
            .map(delivery)
            .collect()
        })
    }

    fn staff_notices(
        &self,
        user: UserId,
        unread_only: bool,
        limit: u32,
    ) -> Result<Vec<StaffNotice>> {
        let limit = i64::from(limit);
        self.with(move |c| async move {
            c.query(
                "SELECT id, kind, work_order_id, complaint_id, number, summary, created_at, read_at
                 FROM staff_notices
                 WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL)
                 ORDER BY created_at DESC, id DESC LIMIT $3",
                &[user.as_uuid(), &unread_only, &limit],
            )
            .await?
            .iter()
            .map(|r| {
                let kind: String = r.get(1);
                Ok(StaffNotice {
                    id: r.get(0),
                    kind: StaffNoticeKind::parse(&kind).ok_or_else(|| {
                        Error::Internal(format!("bad kind {kind:?} in staff_notices"))
                    })?,
                    work_order: r.get::<_, Option<Uuid>>(2).map(WorkOrderId::from_uuid),
                    complaint: r.get::<_, Option<Uuid>>(3).map(ComplaintId::from_uuid),
                    number: r.get(4),
                    summary: r.get(5),
                    created_at: r.get(6),
                    read_at: r.get(7),
                })
            })
            .collect()
        })
    }

    fn read_staff_notices(&self, user: UserId, id: Option<Uuid>, at: Timestamp) -> Result<()> {
        self.with(move |c| async move {
            c.execute(
                "UPDATE staff_notices SET read_at = $3
                 WHERE user_id = $1 AND ($2::uuid IS NULL OR id = $2) AND read_at IS NULL",
                &[user.as_uuid(), &id, &at],
            )
            .await?;
            Ok(())
        })
    }

    fn resend_delivery(&self, id: Uuid, now: Timestamp) -> Result<Delivery> {
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let found = tx
                .query_opt(
                    &format!("SELECT {COLUMNS} FROM deliveries WHERE id = $1 FOR UPDATE"),
                    &[&id],
                )
                .await?
                .ok_or_else(|| Error::not_found("notification", id))?;
            let d = crate::store::outbox::resent(delivery(&found)?, now)?;
            tx.execute(
                "UPDATE deliveries SET state = 'pending', attempts = 0, due_at = $2 WHERE id = $1",
                &[&id, &now],
            )
            .await?;
            tx.commit().await?;
            Ok(d)
        })
    }
}
