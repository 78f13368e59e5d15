//! Complaints on SQLite: one JSON document per complaint with the columns the inbox sorts by.
//! Every write logs a `complaint` change, so escalations reach the live stream.

use crate::store::ComplaintStore;
use fixline_core::Timestamp;
use fixline_core::complaint::Complaint;
use fixline_core::ids::{ComplaintId, CustomerId};
use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, docs, get, put, ts};
use crate::error::{Error, Result};
use crate::store::{ChangeOp, ComplaintEdit};

impl ComplaintStore for SqliteStore {
    fn create_complaint(
        &self,
        build: &mut dyn FnMut(String) -> Result<Complaint>,
        at: Timestamp,
    ) -> Result<Complaint> {
        self.write(|tx, log| {
            let seq: i64 = tx.query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM complaints",
                [],
                |r| r.get(0),
            )?;
            let complaint = build(format!("CP-{seq:06}"))?;
            let known: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM customers WHERE id = ?1",
                    [complaint.customer_id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if known.is_none() {
                return Err(Error::bad_request_with_status(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_customer",
                    format!("there is no customer {}", complaint.customer_id),
                ));
            }
            put(tx, log, &complaint, ChangeOp::Created, at)?;
            super::kpis::complained(tx, &complaint.work_orders)?;
            Ok(complaint)
        })
    }

    fn complaint(&self, id: ComplaintId) -> Result<Complaint> {
        self.read(|c| get(c, *id.as_uuid()))
    }

    fn complaints(&self, open_only: bool, limit: u32) -> Result<Vec<Complaint>> {
        self.read(|c| {
            docs(
                c,
                "SELECT doc FROM complaints WHERE (?1 = 0 OR status != 'closed')
                 ORDER BY (status = 'closed'), resolve_by LIMIT ?2",
                params![open_only, limit],
            )
        })
    }

    fn complaints_past_deadline(&self, now: Timestamp) -> Result<Vec<Complaint>> {
        // Timestamps are stored in one fixed-width UTC form, so text order is time order.
        self.read(|c| {
            docs(
                c,
                "SELECT doc FROM complaints WHERE status != 'closed'
                 AND (acknowledge_by < ?1 OR resolve_by < ?1) ORDER BY seq",
                [ts(now)],
            )
        })
    }

    fn complaints_received(&self, from: Timestamp, to: Timestamp) -> Result<Vec<Complaint>> {
        self.read(|c| {
            docs(
                c,
                "SELECT doc FROM complaints WHERE created_at >= ?1 AND created_at < ?2 ORDER BY seq",
                params![ts(from), ts(to)],
            )
        })
    }

    fn complaints_of_customer(&self, customer: CustomerId) -> Result<Vec<Complaint>> {
        self.read(|c| {
            docs(
                c,
                "SELECT doc FROM complaints WHERE customer_id = ?1 ORDER BY seq DESC LIMIT 50",
                [customer.to_string()],
            )
        })
    }

    fn update_complaint(
        &self,
        id: ComplaintId,
        expected: Option<u64>,
        edit: ComplaintEdit<'_>,
        at: Timestamp,
    ) -> Result<Complaint> {
        self.write(|tx, log| {
            let current: Complaint = get(tx, *id.as_uuid())?;
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
            put(tx, log, &next, ChangeOp::Updated, at)?;
            super::notices::enqueue_for_complaint(tx, &current, &next, at)?;
            Ok(next)
        })
    }
}
