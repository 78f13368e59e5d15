//! Complaints on PostgreSQL: one document per complaint with the columns the inbox sorts by;
//! every write logs a `complaint` change, and an edit writes what it tells whom, as on SQLite.

use fixline_api::live::ChangeOp;
use fixline_core::Timestamp;
use fixline_core::complaint::Complaint;
use fixline_core::ids::{ComplaintId, CustomerId, WorkOrderId};
use tokio_postgres::Transaction;

use super::rows::{docs, get, locked, write};
use super::{PgStore, append, outbox};
use crate::error::{Error, Result};
use crate::store::outbox::Told;
use crate::store::record::{Column, Record};
use crate::store::{ComplaintEdit, ComplaintStore};

/// Counts a complaint against each job it names, in the job's KPI facts.
async fn complained(tx: &Transaction<'_>, jobs: &[WorkOrderId]) -> Result<()> {
    for job in jobs {
        tx.execute(
            "UPDATE job_facts SET complaints = complaints + 1 WHERE work_order_id = $1",
            &[job.as_uuid()],
        )
        .await?;
    }
    Ok(())
}

impl ComplaintStore for PgStore {
    fn create_complaint(
        &self,
        build: &mut dyn FnMut(String) -> Result<Complaint>,
        at: Timestamp,
    ) -> Result<Complaint> {
        // `build` runs here, on the caller's thread, with the next number; if another server
        // took that number meanwhile, it runs again with the one after.
        loop {
            let seq: i64 = self.with(|c| async move {
                Ok(
                    c.query_one("SELECT coalesce(max(seq), 0) + 1 FROM complaints", &[])
                        .await?
                        .get(0),
                )
            })?;
            let complaint = build(format!("CP-{seq:06}"))?;
            let made = complaint.clone();
            let written = self.with(move |mut c| async move {
                let tx = c.transaction().await?;
                let known = tx
                    .query_opt(
                        "SELECT 1 FROM customers WHERE id = $1",
                        &[made.customer_id.as_uuid()],
                    )
                    .await?;
                if known.is_none() {
                    return Err(Error::bad_request_with_status(
                        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                        "unknown_customer",
                        format!("there is no customer {}", made.customer_id),
                    ));
                }
                let taken = tx
                    .query_opt("SELECT 1 FROM complaints WHERE seq = $1", &[&seq])
                    .await?;
                if taken.is_some() {
                    return Ok(false);
                }
                write(
                    &tx,
                    &made,
                    ChangeOp::Created,
                    vec![("seq", Column::Int(seq))],
                )
                .await?;
                complained(&tx, &made.work_orders).await?;
                append(&tx, &[made.change(ChangeOp::Created, at)]).await?;
                tx.commit().await?;
                Ok(true)
            });
            match written {
                Ok(true) => return Ok(complaint),
                Ok(false) => continue,
                // Two servers numbering at the same moment: the one that lost tries again.
                Err(Error::Postgres(e))
                    if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) =>
                {
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn complaint(&self, id: ComplaintId) -> Result<Complaint> {
        self.with(move |c| async move { get(&**c, *id.as_uuid()).await })
    }

    fn complaints(&self, open_only: bool, limit: u32) -> Result<Vec<Complaint>> {
        let limit = i64::from(limit);
        self.with(move |c| async move {
            docs(
                &**c,
                "SELECT doc FROM complaints WHERE (NOT $1 OR status != 'closed')
                 ORDER BY (status = 'closed'), resolve_by LIMIT $2",
                &[&open_only, &limit],
            )
            .await
        })
    }

    fn complaints_past_deadline(&self, now: Timestamp) -> Result<Vec<Complaint>> {
        self.with(move |c| async move {
            docs(
                &**c,
                "SELECT doc FROM complaints WHERE status != 'closed'
                 AND (acknowledge_by < $1 OR resolve_by < $1) ORDER BY seq",
                &[&now],
            )
            .await
        })
    }

    fn complaints_received(&self, from: Timestamp, to: Timestamp) -> Result<Vec<Complaint>> {
        self.with(move |c| async move {
            docs(
                &**c,
                "SELECT doc FROM complaints WHERE created_at >= $1 AND created_at < $2 ORDER BY seq",
                &[&from, &to],
            )
            .await
        })
    }

    fn complaints_of_customer(&self, customer: CustomerId) -> Result<Vec<Complaint>> {
        self.with(move |c| async move {
            docs(
                &**c,
                "SELECT doc FROM complaints WHERE customer_id = $1 ORDER BY seq DESC LIMIT 50",
                &[customer.as_uuid()],
            )
            .await
        })
    }

    fn update_complaint(
        &self,
        id: ComplaintId,
        expected: Option<u64>,
        edit: ComplaintEdit<'_>,
        at: Timestamp,
    ) -> Result<Complaint> {
        // `edit` runs here, between reading and writing; the write goes through only on the
        // version read, else it runs again on the newer complaint.
        loop {
            let current = self.complaint(id)?;
            if let Some(expected) = expected
                && expected != current.version
            {
                return Err(Error::StaleVersion {
                    entity: "complaint",
                    current: current.version,
                });
            }
            let next = edit(&current)?;
            crate::store::record::checked_complaint(&current, &next)?;
            let written = self.with(move |mut c| async move {
                let tx = c.transaction().await?;
                let now: Complaint = locked(&tx, *id.as_uuid()).await?;
                if now.version != current.version {
                    return Ok(None);
                }
                write(&tx, &next, ChangeOp::Updated, Vec::new()).await?;
                outbox::write(&tx, &Told::complaint(&current, &next), at).await?;
                append(&tx, &[next.change(ChangeOp::Updated, at)]).await?;
                tx.commit().await?;
                Ok(Some(next))
            })?;
            if let Some(next) = written {
                return Ok(next);
            }
        }
    }
}
