//! Improvement actions on SQLite: one document per action, with its status and due day as
//! columns; a change names the version it was made on.

use fixline_core::ids::ImprovementId;
use fixline_core::improvement::ImprovementAction;
use rusqlite::{OptionalExtension, Transaction, params};

use super::{SqliteStore, docs, to_json, ts};
use crate::error::{Error, Result};

fn write(tx: &Transaction<'_>, a: &ImprovementAction) -> Result<()> {
    tx.execute(
        "INSERT INTO improvement_actions (id, status, due, created_at, updated_at, version, doc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET status = ?2, due = ?3, updated_at = ?5, version = ?6,
            doc = ?7",
        params![
            a.id.to_string(),
            a.details.status.as_str(),
            a.details.due.to_string(),
            ts(a.created_at),
            ts(a.updated_at),
            a.version as i64,
            to_json(a)?
        ],
    )?;
    Ok(())
}

impl SqliteStore {
    pub(super) fn create_improvement_action(&self, action: &ImprovementAction) -> Result<()> {
        self.write(|tx, _| write(tx, action))
    }

    pub(super) fn update_improvement_action(
        &self,
        id: ImprovementId,
        expected: u64,
        edit: &mut dyn FnMut(&ImprovementAction) -> Result<ImprovementAction>,
    ) -> Result<ImprovementAction> {
        self.write(|tx, _| {
            let doc: Option<String> = tx
                .query_row(
                    "SELECT doc FROM improvement_actions WHERE id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            let current: ImprovementAction =
                serde_json::from_str(&doc.ok_or_else(|| Error::NotFound {
                    entity: "improvement action",
                    id: id.to_string(),
                })?)
                .map_err(|e| Error::Internal(e.to_string()))?;
            if current.version != expected {
                return Err(Error::StaleVersion {
                    entity: "improvement action",
                    current: current.version,
                });
            }
            let next = edit(&current)?;
            write(tx, &next)?;
            Ok(next)
        })
    }

    /// Every action, open ones by due day first, then the closed ones most recent first.
    pub(super) fn improvement_actions(&self) -> Result<Vec<ImprovementAction>> {
        self.read(|c| {
            docs(
                c,
                "SELECT doc FROM improvement_actions
                 ORDER BY status IN ('done', 'dropped'), due, created_at",
                [],
            )
        })
    }
}
