//! Device sync on SQLite: device actions applied at most once, conflicts kept, and the pages a
//! device pulls (a snapshot of its engineer's scope, then the change log).
//!
//! An engineer's scope: their jobs that are not closed or cancelled, the files of the customers
//! behind them, every published knowledge-base article (its published copy only), and the list
//! of colleagues (to hand a job over).

use crate::store::SyncStore;
use std::collections::HashSet;

use fixline_core::Timestamp;
use fixline_core::ids::{ConflictId, CustomerId, EngineerId, UserId, WorkOrderId};
use fixline_core::knowledge::Article;
use fixline_core::role::Actor;
use fixline_core::sync::{
    DeviceAction, PullPage, PushOutcome, PushResult, Replay, Settlement, SnapshotPhase, Standing,
    SyncConflict, SyncCursor,
};
use fixline_core::work_order::{HistoryEntry, Revision, WorkOrder};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::{
    ChangeLog, SqliteStore, changes_after, customer_file, docs, from_json, get, insert_history,
    put_work_order, to_json, ts,
};
use crate::error::{Error, Result};
use crate::store::sync_rules;
use crate::store::{Change, ChangeOp, DeviceDecision, Entity};
use fixline_core::customer::CustomerFile;
use fixline_core::engineer::Engineer;

/// Jobs in an engineer's scope, as a SQL condition on `work_orders` with the engineer as `?1`.
const MY_JOBS: &str = "assignee = ?1 AND status NOT IN ('closed', 'cancelled')";

/// The answer an action id already got, if it was pushed before.
fn answered_before(
    tx: &Transaction<'_>,
    actor: &Actor,
    action: &DeviceAction,
    digest: &str,
) -> Result<Option<PushResult>> {
    let stored: Option<(String, String, String, Option<String>)> = tx
        .query_row(
            "SELECT user_id, work_order_id, outcome, digest FROM device_actions WHERE id = ?1",
            [action.id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((user, job, outcome, digest_kept)) = stored else {
        return Ok(None);
    };
    let kept = sync_rules::Kept {
        user: UserId::from_uuid(uuid_of(&user)?),
        work_order: WorkOrderId::from_uuid(uuid_of(&job)?),
        outcome: from_json(&outcome)?,
        digest: digest_kept,
    };
    let (outcome, show) = sync_rules::answered(kept, actor, action, digest);
    Ok(Some(PushResult {
        id: action.id,
        outcome,
        work_order: if show {
            held_now(tx, action, actor)?
        } else {
            None
        },
    }))
}

fn keep_outcome(
    tx: &Transaction<'_>,
    actor: &Actor,
    action: &DeviceAction,
    digest: &str,
    now: Timestamp,
    outcome: &PushOutcome,
) -> Result<()> {
    tx.execute(
        "INSERT INTO device_actions (id, user_id, work_order_id, acted_at, received_at, outcome, digest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            action.id.to_string(),
            actor.user.to_string(),
            action.work_order.to_string(),
            ts(action.at),
            ts(now),
            to_json(outcome)?,
            digest,
        ],
    )?;
    Ok(())
}

fn held_now(
    tx: &Transaction<'_>,
    action: &DeviceAction,
    actor: &Actor,
) -> Result<Option<WorkOrder>> {
    let job = match get::<WorkOrder>(tx, *action.work_order.as_uuid()) {
        Ok(wo) => Some(wo),
        Err(Error::NotFound { .. }) => None,
        Err(e) => return Err(e),
    };
    Ok(sync_rules::shown(job, actor))
}

/// Whether the actor ever held the job, and whether anyone else changed it after `base`.
fn standing(tx: &Transaction<'_>, wo: &WorkOrder, actor: &Actor, base: u64) -> Result<Standing> {
    let in_log = match actor.engineer {
        Some(e) if wo.assignee != Some(e) => tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM changes WHERE entity = 'work_order' AND entity_id = ?1
                 AND (engineer_id = ?2 OR previous_engineer_id = ?2))",
            [wo.id.to_string(), e.to_string()],
            |r| r.get(0),
        )?,
        _ => false,
    };
    let later: Vec<HistoryEntry> = docs(
        tx,
        "SELECT doc FROM work_order_history WHERE work_order_id = ?1 AND version > ?2",
        params![wo.id.to_string(), base as i64],
    )?;
    Ok(sync_rules::standing(wo, actor, in_log, &later))
}

fn record_conflict(
    tx: &Transaction<'_>,
    log: &mut ChangeLog,
    conflict: &SyncConflict,
    region: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_conflicts (id, action_id, work_order_id, engineer_id, recorded_at, doc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            conflict.id.to_string(),
            conflict.action_id.to_string(),
            conflict.work_order.to_string(),
            conflict.engineer.map(|e| e.to_string()),
            ts(conflict.recorded_at),
            to_json(conflict)?
        ],
    )?;
    log.record(tx, sync_rules::conflict_change(conflict, region))
}

/// The ids of one snapshot phase, in id order: the query for the ids after `?2`, at most `?3`.
fn phase_query(phase: SnapshotPhase) -> &'static str {
    match phase {
        SnapshotPhase::WorkOrders => {
            "SELECT id FROM work_orders WHERE assignee = ?1 AND status NOT IN ('closed', 'cancelled')
             AND id > ?2 ORDER BY id LIMIT ?3"
        }
        SnapshotPhase::CustomerFiles => {
            "SELECT DISTINCT customer_id FROM work_orders
             WHERE assignee = ?1 AND status NOT IN ('closed', 'cancelled') AND customer_id > ?2
             ORDER BY customer_id LIMIT ?3"
        }
        // Every published article engineers may read, whatever `?1` is: the fault in front of
        // them may be on a model none of their jobs names.
        SnapshotPhase::Articles => {
            "SELECT id FROM articles WHERE ?1 IS NOT NULL AND state = 'published' AND id > ?2
             ORDER BY id LIMIT ?3"
        }
        // Every engineer, whatever `?1` is.
        SnapshotPhase::Colleagues => {
            "SELECT id FROM engineers WHERE ?1 IS NOT NULL AND id > ?2 ORDER BY id LIMIT ?3"
        }
    }
}

fn uuid_of(text: &str) -> Result<Uuid> {
    text.parse()
        .map_err(|_| Error::Internal(format!("bad id {text:?} in database")))
}

/// A pull's reads on SQLite, in one read transaction.
struct Reads<'a> {
    c: &'a Connection,
}

impl sync_rules::ScopeReads for Reads<'_> {
    async fn latest_seq(&mut self) -> Result<i64> {
        Ok(self
            .c
            .query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| {
                r.get(0)
            })?)
    }

    async fn changes_after(&mut self, seq: i64, limit: u32) -> Result<Vec<Change>> {
        changes_after(self.c, seq, limit)
    }

    async fn phase_ids(
        &mut self,
        phase: SnapshotPhase,
        engineer: EngineerId,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Uuid>> {
        let mut stmt = self.c.prepare_cached(phase_query(phase))?;
        let start = after.map(|a| a.to_string()).unwrap_or_default();
        let ids = stmt
            .query_map(params![engineer.to_string(), start, limit], |r| {
                r.get::<_, String>(0)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        ids.iter().map(|id| uuid_of(id)).collect()
    }

    async fn work_order(&mut self, id: Uuid) -> Result<WorkOrder> {
        get(self.c, id)
    }

    async fn customer_file(&mut self, id: CustomerId) -> Result<CustomerFile> {
        customer_file(self.c, id)
    }

    async fn article(&mut self, id: Uuid) -> Result<Article> {
        get(self.c, id)
    }

    async fn engineer(&mut self, id: Uuid) -> Result<Engineer> {
        get(self.c, id)
    }

    async fn conflict(&mut self, id: Uuid) -> Result<SyncConflict> {
        let doc: String = self.c.query_row(
            "SELECT doc FROM sync_conflicts WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )?;
        from_json(&doc)
    }

    async fn history_entry(&mut self, job: Uuid, version: u64) -> Result<Option<HistoryEntry>> {
        let doc: Option<String> = self
            .c
            .query_row(
                "SELECT doc FROM work_order_history WHERE work_order_id = ?1 AND version = ?2",
                params![job.to_string(), version as i64],
                |r| r.get(0),
            )
            .optional()?;
        doc.as_deref().map(from_json).transpose()
    }

    async fn owner_of(&mut self, entity: Entity, id: Uuid) -> Result<CustomerId> {
        let table = match entity {
            Entity::Contact => "contacts",
            Entity::Site => "sites",
            _ => "assets",
        };
        let owner: String = self.c.query_row(
            &format!("SELECT customer_id FROM {table} WHERE id = ?1"),
            [id.to_string()],
            |r| r.get(0),
        )?;
        Ok(CustomerId::from_uuid(uuid_of(&owner)?))
    }

    async fn customers_of_open_jobs(
        &mut self,
        engineer: EngineerId,
    ) -> Result<HashSet<CustomerId>> {
        let mut stmt = self.c.prepare_cached(&format!(
            "SELECT DISTINCT customer_id FROM work_orders WHERE {MY_JOBS}"
        ))?;
        let rows = stmt.query_map([engineer.to_string()], |r| r.get::<_, String>(0))?;
        rows.map(|id| Ok(CustomerId::from_uuid(uuid_of(&id?)?)))
            .collect()
    }
}

impl SyncStore for SqliteStore {
    fn apply_device_action(
        &self,
        actor: &Actor,
        action: &DeviceAction,
        now: Timestamp,
        decide: DeviceDecision<'_>,
    ) -> Result<PushResult> {
        let digest = action.digest();
        let applied = self.write(|tx, log| {
            if let Some(answer) = answered_before(tx, actor, action, &digest)? {
                return Ok(answer);
            }
            let current = match get::<WorkOrder>(tx, *action.work_order.as_uuid()) {
                Ok(wo) => Some(wo),
                Err(Error::NotFound { .. }) => None,
                Err(e) => return Err(e),
            };
            let replay = match &current {
                None => Replay::Rejected(fixline_core::Error::invalid(
                    "work_order",
                    format!("there is no work order {}", action.work_order),
                )),
                Some(current) => {
                    let standing = standing(tx, current, actor, action.base_version)?;
                    decide(current, standing)
                }
            };
            let conflict_id = ConflictId::from_uuid(Uuid::now_v7());
            let Settlement {
                outcome,
                change,
                conflict,
            } = replay.settle(action, actor, conflict_id, now);
            keep_outcome(tx, actor, action, &digest, now, &outcome)?;
            if let (Some(Revision { next, entry }), Some(current)) = (change, &current) {
                let (search, region) = Self::search_text(tx, &next)?;
                put_work_order(
                    tx,
                    log,
                    &next,
                    Some(current),
                    ChangeOp::Updated,
                    now,
                    vec![("search_text", Value::Text(search))],
                    &region,
                    &self.facts_area(),
                )?;
                insert_history(tx, now, &entry)?;
                if let Some(conflict) = conflict {
                    record_conflict(tx, log, &conflict, &region)?;
                }
            }
            Ok(PushResult {
                id: action.id,
                outcome,
                work_order: held_now(tx, action, actor)?,
            })
        });
        match applied {
            // Refused while being written (a hand-over to an engineer who does not exist, a
            // receipt token already taken, …): the change was rolled back; the refusal is kept
            // like any other outcome, so this action, and only it, is answered "rejected" and
            // the device's later actions go on.
            Err(e) if e.is_refusal() => self.write(|tx, _| {
                if let Some(answer) = answered_before(tx, actor, action, &digest)? {
                    return Ok(answer);
                }
                let outcome = Settlement::refused(&e).outcome;
                keep_outcome(tx, actor, action, &digest, now, &outcome)?;
                Ok(PushResult {
                    id: action.id,
                    outcome,
                    work_order: held_now(tx, action, actor)?,
                })
            }),
            other => other,
        }
    }

    fn pull(&self, engineer: EngineerId, cursor: SyncCursor, limit: u32) -> Result<PullPage> {
        self.read(|c| {
            // One read transaction, so the page is one consistent view.
            let tx = c.unchecked_transaction()?;
            // Nothing here waits: SQLite's reads answer at once.
            let page = futures::executor::block_on(sync_rules::pull(
                &mut Reads { c: &tx },
                engineer,
                cursor,
                limit,
            ));
            tx.finish()?;
            page
        })
    }

    fn conflicts(&self, engineer: Option<EngineerId>, limit: u32) -> Result<Vec<SyncConflict>> {
        self.read(|c| {
            docs(
                c,
                "SELECT doc FROM sync_conflicts WHERE ?1 IS NULL OR engineer_id = ?1
                 ORDER BY recorded_at DESC LIMIT ?2",
                params![engineer.map(|e| e.to_string()), limit.clamp(1, 1000)],
            )
        })
    }
}
