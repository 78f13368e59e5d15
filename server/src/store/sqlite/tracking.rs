//! The customers' tracking links on SQLite: one row per request, the token its key.

use fixline_core::Timestamp;
use fixline_core::ids::WorkOrderId;
use fixline_core::work_order::WorkOrder;
use rusqlite::params;

use super::{SqliteStore, ts, work_order_found_by};
use crate::error::Result;

impl SqliteStore {
    pub(super) fn tracking_token(
        &self,
        work_order: WorkOrderId,
        candidate: &str,
        at: Timestamp,
    ) -> Result<String> {
        self.write(|tx, _| {
            let id = work_order.to_string();
            // The first caller's token wins; a second caller (the notice and the form's answer
            // at once) reads it back.
            tx.execute(
                "INSERT OR IGNORE INTO tracking_links (token, work_order_id, created_at) VALUES (?1, ?2, ?3)",
                params![candidate, id, ts(at)],
            )?;
            Ok(tx.query_row(
                "SELECT token FROM tracking_links WHERE work_order_id = ?1",
                [&id],
                |r| r.get(0),
            )?)
        })
    }

    pub(super) fn work_order_by_tracking_token(&self, token: &str) -> Result<Option<WorkOrder>> {
        self.read(|c| {
            work_order_found_by(
                c,
                "SELECT work_order_id FROM tracking_links WHERE token = ?1",
                token,
            )
        })
    }
}
