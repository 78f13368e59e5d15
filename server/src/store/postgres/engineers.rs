//! Engineers on PostgreSQL: the record as a JSONB document with its list columns; every edit
//! and position ping logged in the same transaction, as on SQLite.

use fixline_api::live::{Change, ChangeOp, Entity};
use fixline_core::Timestamp;
use fixline_core::engineer::{Engineer, EngineerDetails, EngineerStatus};
use fixline_core::ids::EngineerId;
use fixline_core::position::PositionFix;
use tokio_postgres::Transaction;

use super::{PgStore, append};
use crate::error::{Error, Result};
use crate::store::{EngineerStore, Page, Paging};

fn doc(engineer: &Engineer) -> Result<serde_json::Value> {
    serde_json::to_value(engineer).map_err(|e| Error::Internal(format!("engineer: {e}")))
}

fn read(doc: serde_json::Value) -> Result<Engineer> {
    serde_json::from_value(doc).map_err(|e| Error::Internal(format!("unreadable engineer: {e}")))
}

/// The change an engineer's edit logs.
pub(super) fn edited(engineer: &Engineer, op: ChangeOp, at: Timestamp) -> Change {
    Change {
        seq: 0,
        at,
        entity: Entity::Engineer,
        entity_id: *engineer.id.as_uuid(),
        op,
        version: Some(engineer.version),
        engineer_id: Some(engineer.id),
        previous_engineer_id: None,
        region: Some(engineer.details.region.clone()),
        data: serde_json::json!({
            "name": engineer.details.name,
            "status": engineer.status,
            "last_position": engineer.last_position,
        }),
    }
}

pub(super) async fn locked(tx: &Transaction<'_>, id: EngineerId) -> Result<Engineer> {
    let row = tx
        .query_opt(
            "SELECT doc FROM engineers WHERE id = $1 FOR UPDATE",
            &[id.as_uuid()],
        )
        .await?
        .ok_or_else(|| Error::not_found("engineer", id))?;
    read(row.get(0))
}

pub(super) async fn write(tx: &Transaction<'_>, engineer: &Engineer) -> Result<()> {
    tx.execute(
        "INSERT INTO engineers (id, region, name, version, updated_at, doc)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET region = EXCLUDED.region, name = EXCLUDED.name,
             version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, doc = EXCLUDED.doc",
        &[
            engineer.id.as_uuid(),
            &engineer.details.region,
            &engineer.details.name,
            &(engineer.version as i64),
            &engineer.updated_at,
            &doc(engineer)?,
        ],
    )
    .await?;
    Ok(())
}

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
            write(&tx, &made).await?;
            append(&tx, &[edited(&made, ChangeOp::Created, at)]).await?;
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
            let mut engineer = locked(&tx, id).await?;
            if engineer.version != expected {
                return Err(Error::StaleVersion {
                    entity: "engineer",
                    current: engineer.version,
                });
            }
            engineer.apply_edit(details, status);
            engineer.version += 1;
            engineer.updated_at = at;
            write(&tx, &engineer).await?;
            append(&tx, &[edited(&engineer, ChangeOp::Updated, at)]).await?;
            tx.commit().await?;
            Ok(engineer)
        })
    }

    fn engineer(&self, id: EngineerId) -> Result<Engineer> {
        self.with(move |c| async move {
            let row = c
                .query_opt("SELECT doc FROM engineers WHERE id = $1", &[id.as_uuid()])
                .await?
                .ok_or_else(|| Error::not_found("engineer", id))?;
            read(row.get(0))
        })
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
                .map(|r| read(r.get(0)))
                .collect::<Result<Vec<_>>>()?;
            Ok(crate::store::page(items, paging, total))
        })
    }

    fn record_position(&self, id: EngineerId, fix: PositionFix, at: Timestamp) -> Result<Engineer> {
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let mut engineer = locked(&tx, id).await?;
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
                op: ChangeOp::Position,
                version: None,
                data: serde_json::json!({ "position": fix.position, "at": fix.at }),
                ..edited(&engineer, ChangeOp::Position, at)
            };
            append(&tx, &[ping]).await?;
            tx.commit().await?;
            Ok(engineer)
        })
    }
}
