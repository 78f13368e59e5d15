//! Parts, files named by jobs, receipt and tracking tokens on PostgreSQL.

use fixline_core::Timestamp;
use fixline_core::billing::Part;
use fixline_core::ids::{EngineerId, UserId, WorkOrderId};
use fixline_core::work_order::WorkOrder;

use super::PgStore;
use super::rows::{docs, read};
use crate::error::{Error, Result};
use crate::store::ReceiptStore;

impl PgStore {
    /// The work order `sql` (one text parameter) selects the document of, if it selects one.
    fn work_order_where(&self, sql: &'static str, key: &str) -> Result<Option<WorkOrder>> {
        let key = key.to_owned();
        self.with(move |c| async move {
            c.query_opt(sql, &[&key])
                .await?
                .map(|r| read(r.get(0)))
                .transpose()
        })
    }
}

impl ReceiptStore for PgStore {
    fn put_part(&self, part: &Part, at: Timestamp) -> Result<()> {
        let doc = serde_json::to_value(part).map_err(|e| Error::Internal(e.to_string()))?;
        let (number, name) = (part.part_number.clone(), part.name.clone());
        self.with(move |c| async move {
            c.execute(
                "INSERT INTO parts (part_number, name, doc, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (part_number) DO UPDATE SET name = EXCLUDED.name,
                     doc = EXCLUDED.doc, updated_at = EXCLUDED.updated_at",
                &[&number, &name, &doc, &at],
            )
            .await?;
            Ok(())
        })
    }

    fn parts(&self) -> Result<Vec<Part>> {
        self.with(
            |c| async move { docs(&**c, "SELECT doc FROM parts ORDER BY part_number", &[]).await },
        )
    }

    fn work_orders_naming_blob(&self, sha256: &str) -> Result<Vec<WorkOrder>> {
        let sha256 = sha256.to_owned();
        self.with(move |c| async move {
            // A SHA-256 in hex appears in a job's document only as a photo's or receipt's name.
            docs(
                &**c,
                "SELECT doc FROM work_orders WHERE strpos(doc::text, $1) > 0 LIMIT 50",
                &[&sha256],
            )
            .await
        })
    }

    fn record_blob_jobs(
        &self,
        sha256: &str,
        jobs: &[WorkOrderId],
        by: Option<UserId>,
        at: Timestamp,
    ) -> Result<()> {
        let (sha256, jobs) = (sha256.to_owned(), jobs.to_vec());
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            for job in jobs {
                tx.execute(
                    "INSERT INTO blob_jobs (sha256, work_order_id, uploaded_by, at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    &[&sha256, job.as_uuid(), &by.map(|u| *u.as_uuid()), &at],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn blob_reached(&self, sha256: &str, engineer: EngineerId) -> Result<bool> {
        let sha256 = sha256.to_owned();
        self.with(move |c| async move {
            Ok(c.query_one(
                "SELECT EXISTS (SELECT 1 FROM blob_jobs b JOIN work_orders w ON w.id = b.work_order_id
                 WHERE b.sha256 = $1 AND w.assignee = $2)",
                &[&sha256, engineer.as_uuid()],
            )
            .await?
            .get(0))
        })
    }

    fn work_order_by_receipt_token(&self, token: &str) -> Result<Option<WorkOrder>> {
        self.work_order_where(
            "SELECT doc FROM work_orders WHERE doc->'receipt'->>'token' = $1",
            token,
        )
    }

    fn tracking_token(
        &self,
        work_order: WorkOrderId,
        candidate: &str,
        at: Timestamp,
    ) -> Result<String> {
        let candidate = candidate.to_owned();
        self.with(move |c| async move {
            // The first caller's token wins; a second caller (the notice and the form's answer
            // at once, perhaps on two servers) reads it back.
            c.execute(
                "INSERT INTO tracking_links (token, work_order_id, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&candidate, work_order.as_uuid(), &at],
            )
            .await?;
            Ok(c.query_one(
                "SELECT token FROM tracking_links WHERE work_order_id = $1",
                &[work_order.as_uuid()],
            )
            .await?
            .get(0))
        })
    }

    fn work_order_by_tracking_token(&self, token: &str) -> Result<Option<WorkOrder>> {
        self.work_order_where(
            "SELECT w.doc FROM tracking_links t JOIN work_orders w ON w.id = t.work_order_id
             WHERE t.token = $1",
            token,
        )
    }

    fn record_receipt_mail(
        &self,
        id: WorkOrderId,
        recipient: &str,
        at: Timestamp,
        error: Option<&str>,
    ) -> Result<()> {
        let (recipient, error) = (recipient.to_owned(), error.map(str::to_owned));
        self.with(move |c| async move {
            c.execute(
                "INSERT INTO receipt_mail (work_order_id, recipient, sent_at, error)
                 VALUES ($1, $2, $3, $4)",
                &[id.as_uuid(), &recipient, &at, &error],
            )
            .await?;
            Ok(())
        })
    }
}
