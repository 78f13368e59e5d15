//! The notification outbox and staff notices on PostgreSQL: written in the transaction of the
//! change that causes them (what and to whom: `store::outbox`).

use fixline_core::Timestamp;
use fixline_core::customer::{Contact, Customer};
use fixline_core::notify::StaffAudience;
use tokio_postgres::Transaction;
use uuid::Uuid;

use super::rows::{docs, get};
use crate::error::Result;
use crate::store::outbox::{About, Told};

/// Writes each staff notice for every active user its audience names, then the customer's
/// and integrations' outbox rows.
pub(super) async fn write(tx: &Transaction<'_>, told: &Told<'_>, at: Timestamp) -> Result<()> {
    for (kind, audience) in &told.staff {
        let users = match audience {
            StaffAudience::Engineer(e) => {
                tx.query(
                    "SELECT id FROM users WHERE engineer_id = $1 AND NOT disabled",
                    &[e.as_uuid()],
                )
                .await?
            }
            StaffAudience::User(u) => {
                tx.query(
                    "SELECT id FROM users WHERE id = $1 AND NOT disabled",
                    &[u.as_uuid()],
                )
                .await?
            }
            StaffAudience::Role(r) => {
                tx.query(
                    "SELECT id FROM users WHERE role = $1 AND NOT disabled",
                    &[&r.as_str()],
                )
                .await?
            }
        };
        for user in users {
            staff_notice(tx, user.get(0), kind.as_str(), &told.about, at).await?;
        }
    }
    if told.events.is_empty() {
        return Ok(());
    }
    let customer: Customer = get(tx, *told.customer.as_uuid()).await?;
    let contacts: Vec<Contact> = docs(
        tx,
        "SELECT doc FROM contacts WHERE customer_id = $1 ORDER BY added",
        &[customer.id.as_uuid()],
    )
    .await?;
    // Integrations that asked for these events, each its own recipient.
    let hooks = match tx
        .query_opt(
            "SELECT doc FROM settings WHERE key = $1",
            &[&crate::webhooks::SETTING],
        )
        .await?
    {
        Some(row) => crate::webhooks::from_doc(row.get(0))?,
        None => Vec::new(),
    };
    for row in told.addressed(&customer, &contacts, &hooks) {
        tx.execute(
            "INSERT INTO deliveries
               (id, subject, subject_id, version, event, channel, recipient, language, state,
                due_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $9)
             ON CONFLICT DO NOTHING",
            &[
                &Uuid::now_v7(),
                &told.subject.kind(),
                &told.subject.id(),
                &(told.version as i64),
                &row.event.as_str(),
                &row.channel.as_str(),
                &row.recipient,
                &row.language,
                &at,
            ],
        )
        .await?;
    }
    Ok(())
}

async fn staff_notice(
    tx: &Transaction<'_>,
    user: Uuid,
    kind: &str,
    about: &About<'_>,
    at: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO staff_notices
           (id, user_id, kind, work_order_id, complaint_id, number, summary, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &Uuid::now_v7(),
            &user,
            &kind,
            &about.work_order.map(|w| *w.as_uuid()),
            &about.complaint.map(|c| *c.as_uuid()),
            &about.number,
            &about.summary,
            &at,
        ],
    )
    .await?;
    Ok(())
}
