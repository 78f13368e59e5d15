//! Engineers on SQLite.

use super::*;
use crate::store::EngineerStore;

impl EngineerStore for SqliteStore {
    fn create_engineer(
        &self,
        id: EngineerId,
        details: EngineerDetails,
        at: Timestamp,
    ) -> Result<Engineer> {
        let engineer = Engineer::new(id, details, at)?;
        self.write(|tx, log| put(tx, log, &engineer, ChangeOp::Created, at))?;
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
        self.write(|tx, log| {
            update(tx, log, *id.as_uuid(), expected, at, |e: &mut Engineer| {
                e.apply_edit(details, status)
            })
        })
    }

    fn engineer(&self, id: EngineerId) -> Result<Engineer> {
        self.read(|c| get(c, *id.as_uuid()))
    }

    fn list_engineers(&self, region: Option<&str>, paging: Paging) -> Result<Page<Engineer>> {
        self.read(|c| {
            let region = region.unwrap_or("");
            let filter = "(?1 = '' OR region = ?1)";
            let total: i64 = c.query_row(
                &format!("SELECT count(*) FROM engineers WHERE {filter}"),
                [region],
                |r| r.get(0),
            )?;
            let items = docs(
                c,
                &format!(
                    "SELECT doc FROM engineers WHERE {filter} ORDER BY name, id LIMIT ?2 OFFSET ?3"
                ),
                params![region, paging.per_page, paging.offset()],
            )?;
            Ok(page(items, paging, total))
        })
    }

    fn record_position(&self, id: EngineerId, fix: PositionFix, at: Timestamp) -> Result<Engineer> {
        self.write(|tx, log| {
            let mut engineer: Engineer = get(tx, *id.as_uuid())?;
            // Pings arrive out of order after a device reconnects; only a newer fix moves the pin.
            if engineer.last_position.is_none_or(|last| fix.at >= last.at) {
                engineer.last_position = Some(fix);
                // Position is not an edit: the version stays, so pings never make a form stale.
                tx.execute(
                    "UPDATE engineers SET doc = ?1 WHERE id = ?2",
                    params![to_json(&engineer)?, id.to_string()],
                )?;
            }
            log.record(
                tx,
                Change {
                    version: None,
                    engineer_id: Some(id),
                    data: serde_json::json!({ "position": fix.position, "at": fix.at }),
                    ..engineer.change(ChangeOp::Position, at)
                },
            )?;
            Ok(engineer)
        })
    }
}
