//! Parts, blobs named by jobs, receipt and tracking tokens on SQLite.

use super::*;
use crate::store::ReceiptStore;

impl ReceiptStore for SqliteStore {
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
}
