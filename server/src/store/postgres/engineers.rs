//! Engineers on PostgreSQL: the record as a JSONB document with its list columns; every edit
//! and position ping logged in the same transaction, as on SQLite.

use fixline_api::live::{Change, ChangeOp};
use fixline_core::Timestamp;
use fixline_core::engineer::{Engineer, EngineerDetails, EngineerStatus};
use fixline_core::ids::EngineerId;
use fixline_core::position::PositionFix;

use super::rows::{doc, get, locked, read, update, write};
use super::{PgStore, append};
use crate::error::{Error, Result};
use crate::store::record::Record;
use crate::store::{EngineerStore, Page, Paging};

impl EngineerStore for PgStore {
    fn create_engineer(
        &self,
        id: EngineerId,
        details: EngineerDetails,
        at: Timestamp,
    ) -> Result<Engineer> {
        let engineer = Engineer::new(id, details, at)?;
        let made = engineer.clone();
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let taken = tx
                .execute(
                    "SELECT 1 FROM engineers WHERE id = $1",
                    &[made.id.as_uuid()],
                )
                .await?;
            if taken > 0 {
                return Err(Error::Conflict(format!("engineer {} exists", made.id)));
            }
            write(&tx, &made, ChangeOp::Created, Vec::new()).await?;
            append(&tx, &[made.change(ChangeOp::Created, at)]).await?;
            tx.commit().await?;
            Ok(())
        })?;
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
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let engineer = update(&tx, *id.as_uuid(), expected, at, |e: &mut Engineer| {
                e.apply_edit(details, status)
            })
            .await?;
            append(&tx, &[engineer.change(ChangeOp::Updated, at)]).await?;
            tx.commit().await?;
            Ok(engineer)
        })
    }

    fn engineer(&self, id: EngineerId) -> Result<Engineer> {
        self.with(move |c| async move { get(&**c, *id.as_uuid()).await })
    }

    fn list_engineers(&self, region: Option<&str>, paging: Paging) -> Result<Page<Engineer>> {
        let region = region.unwrap_or("").to_owned();
        self.with(move |c| async move {
            let filter = "($1 = '' OR region = $1)";
            let total: i64 = c
                .query_one(
                    &format!("SELECT count(*) FROM engineers WHERE {filter}"),
                    &[&region],
                )
                .await?
                .get(0);
            let rows = c
                .query(
                    &format!(
                        "SELECT doc FROM engineers WHERE {filter} ORDER BY name, id LIMIT $2 OFFSET $3"
                    ),
                    &[
                        &region,
                        &i64::from(paging.per_page),
                        &paging.offset(),
                    ],
                )
                .await?;
            let items = rows
                .into_iter()
                .map(|r| read::<Engineer>(r.get(0)))
                .collect::<Result<Vec<_>>>()?;
            Ok(crate::store::page(items, paging, total))
        })
    }

    fn record_position(&self, id: EngineerId, fix: PositionFix, at: Timestamp) -> Result<Engineer> {
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let mut engineer: Engineer = locked(&tx, *id.as_uuid()).await?;
            // Pings arrive out of order after a device reconnects; only a newer fix moves the pin.
            if engineer.last_position.is_none_or(|last| fix.at >= last.at) {
                engineer.last_position = Some(fix);
                // Position is not an edit: the version stays, so pings never make a form stale.
                tx.execute(
                    "UPDATE engineers SET doc = $1 WHERE id = $2",
                    &[&doc(&engineer)?, id.as_uuid()],
                )
                .await?;
            }
            let ping = Change {
                version: None,
                engineer_id: Some(id),
                data: serde_json::json!({ "position": fix.position, "at": fix.at }),
                ..engineer.change(ChangeOp::Position, at)
            };
            append(&tx, &[ping]).await?;
            tx.commit().await?;
            Ok(engineer)
        })
    }
}
