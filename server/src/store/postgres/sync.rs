//! Device sync on PostgreSQL: a pushed action applied at most once however many servers the
//! device's retries reach, and the pages a device pulls, read in one repeatable-read
//! transaction (the rules: `store::sync_rules`).

use std::collections::HashSet;

use fixline_api::live::{Change, ChangeOp, Entity};
use fixline_core::Timestamp;
use fixline_core::customer::CustomerFile;
use fixline_core::engineer::Engineer;
use fixline_core::ids::{ConflictId, CustomerId, EngineerId, UserId, WorkOrderId};
use fixline_core::knowledge::Article;
use fixline_core::role::Actor;
use fixline_core::sync::{
    DeviceAction, PullPage, PushOutcome, PushResult, Replay, Settlement, SnapshotPhase, Standing,
    SyncConflict, SyncCursor,
};
use fixline_core::work_order::{HistoryEntry, Revision, WorkOrder};
use tokio_postgres::{GenericClient, Transaction};
use uuid::Uuid;

use super::rows::{docs, get, locked};
use super::work_orders::{insert_history, put_work_order, search_text};
use super::{PgStore, append, changes_since};
use crate::error::{Error, Result};
use crate::store::record::Column;
use crate::store::sync_rules::{self, Kept, ScopeReads};
use crate::store::{DeviceDecision, SyncStore};

fn json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| Error::Internal(e.to_string()))
}

async fn job(c: &impl GenericClient, id: WorkOrderId) -> Result<Option<WorkOrder>> {
    match get::<WorkOrder>(c, *id.as_uuid()).await {
        Ok(wo) => Ok(Some(wo)),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The answer an action id already got, if it was pushed before.
async fn answered_before(
    c: &impl GenericClient,
    actor: &Actor,
    action: &DeviceAction,
    digest: &str,
) -> Result<Option<PushResult>> {
    let Some(row) = c
        .query_opt(
            "SELECT user_id, work_order_id, outcome, digest FROM device_actions WHERE id = $1",
            &[&action.id.as_uuid()],
        )
        .await?
    else {
        return Ok(None);
    };
    let kept = Kept {
        user: UserId::from_uuid(row.get(0)),
        work_order: WorkOrderId::from_uuid(row.get(1)),
        outcome: serde_json::from_value(row.get(2))
            .map_err(|e| Error::Internal(format!("unreadable outcome: {e}")))?,
        digest: row.get(3),
    };
    let (outcome, show) = sync_rules::answered(kept, actor, action, digest);
    let work_order = if show {
        sync_rules::shown(job(c, action.work_order).await?, actor)
    } else {
        None
    };
    Ok(Some(PushResult {
        id: action.id,
        outcome,
        work_order,
    }))
}

/// Keeps the outcome under the action's id; false if another server kept one first.
async fn keep_outcome(
    tx: &Transaction<'_>,
    actor: &Actor,
    action: &DeviceAction,
    digest: &str,
    now: Timestamp,
    outcome: &PushOutcome,
) -> Result<bool> {
    let kept = tx
        .execute(
            "INSERT INTO device_actions (id, user_id, work_order_id, acted_at, received_at,
                 outcome, digest)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
            &[
                action.id.as_uuid(),
                actor.user.as_uuid(),
                action.work_order.as_uuid(),
                &action.at,
                &now,
                &json(outcome)?,
                &digest,
            ],
        )
        .await?;
    Ok(kept == 1)
}

async fn standing(
    c: &impl GenericClient,
    wo: &WorkOrder,
    actor: &Actor,
    base: u64,
) -> Result<Standing> {
    let in_log = match actor.engineer {
        Some(e) if wo.assignee != Some(e) => c
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM changes WHERE entity = 'work_order'
                     AND entity_id = $1 AND (engineer_id = $2 OR previous_engineer_id = $2))",
                &[wo.id.as_uuid(), e.as_uuid()],
            )
            .await?
            .get(0),
        _ => false,
    };
    let later: Vec<HistoryEntry> = docs(
        c,
        "SELECT doc FROM work_order_history WHERE work_order_id = $1 AND version > $2",
        &[wo.id.as_uuid(), &(base as i64)],
    )
    .await?;
    Ok(sync_rules::standing(wo, actor, in_log, &later))
}

/// What reading the job found before deciding.
enum Seen {
    Answered(PushResult),
    Job(Option<WorkOrder>, Option<Standing>),
}

impl PgStore {
    /// Writes a settled action: its outcome, and the job's revision and conflict if any, only
    /// if the job is still the one decided on. None: another server answered the id, or
    /// changed the job, meanwhile (read and decide again).
    fn write_settlement(
        &self,
        actor: &Actor,
        action: &DeviceAction,
        digest: &str,
        now: Timestamp,
        decided_on: Option<WorkOrder>,
        settlement: Settlement,
    ) -> Result<Option<PushResult>> {
        let (actor, action, digest) = (actor.clone(), action.clone(), digest.to_owned());
        let area = self.facts_area();
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let Settlement {
                outcome,
                change,
                conflict,
            } = settlement;
            if !keep_outcome(&tx, &actor, &action, &digest, now, &outcome).await? {
                return Ok(None);
            }
            if let (Some(Revision { next, entry }), Some(current)) = (change, &decided_on) {
                let now_job: WorkOrder = locked(&tx, *current.id.as_uuid()).await?;
                if now_job.version != current.version {
                    return Ok(None);
                }
                let (search, region) = search_text(&tx, &next).await?;
                let mut changes = vec![
                    put_work_order(
                        &tx,
                        &next,
                        Some(current),
                        ChangeOp::Updated,
                        now,
                        vec![("search_text", Column::Text(search))],
                        &region,
                        &area,
                    )
                    .await?,
                ];
                insert_history(&tx, now, &entry).await?;
                if let Some(conflict) = conflict {
                    tx.execute(
                        "INSERT INTO sync_conflicts (id, action_id, work_order_id, engineer_id,
                             recorded_at, doc)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                        &[
                            conflict.id.as_uuid(),
                            conflict.action_id.as_uuid(),
                            conflict.work_order.as_uuid(),
                            &conflict.engineer.map(|e| *e.as_uuid()),
                            &conflict.recorded_at,
                            &json(&conflict)?,
                        ],
                    )
                    .await?;
                    changes.push(sync_rules::conflict_change(&conflict, &region));
                }
                append(&tx, &changes).await?;
            }
            let work_order = sync_rules::shown(job(&*tx, action.work_order).await?, &actor);
            tx.commit().await?;
            Ok(Some(PushResult {
                id: action.id,
                outcome,
                work_order,
            }))
        })
    }
}

impl SyncStore for PgStore {
    fn apply_device_action(
        &self,
        actor: &Actor,
        action: &DeviceAction,
        now: Timestamp,
        decide: DeviceDecision<'_>,
    ) -> Result<PushResult> {
        let digest = action.digest();
        // `decide` runs here, on the caller's thread, on the job as read; the decision is
        // written only if the job is still that one and the id still unanswered, else read and
        // decided again (a device retrying through two servers at once gets one answer).
        loop {
            let (who, what, said) = (actor.clone(), action.clone(), digest.clone());
            let seen = self.with(move |c| async move {
                if let Some(answer) = answered_before(&**c, &who, &what, &said).await? {
                    return Ok(Seen::Answered(answer));
                }
                let current = job(&**c, what.work_order).await?;
                let standing = match &current {
                    Some(wo) => Some(standing(&**c, wo, &who, what.base_version).await?),
                    None => None,
                };
                Ok(Seen::Job(current, standing))
            })?;
            let (current, standing) = match seen {
                Seen::Answered(answer) => return Ok(answer),
                Seen::Job(current, standing) => (current, standing),
            };
            let replay = match (&current, standing) {
                (Some(wo), Some(standing)) => decide(wo, standing),
                _ => Replay::Rejected(fixline_core::Error::invalid(
                    "work_order",
                    format!("there is no work order {}", action.work_order),
                )),
            };
            let settlement =
                replay.settle(action, actor, ConflictId::from_uuid(Uuid::now_v7()), now);
            match self.write_settlement(actor, action, &digest, now, current, settlement) {
                Ok(Some(result)) => return Ok(result),
                Ok(None) => continue,
                // Refused while being written (a hand-over to an engineer who does not exist,
                // a receipt token already taken, …): the change was rolled back; the refusal is
                // kept like any other outcome, so this action, and only it, is answered
                // "rejected" and the device's later actions go on.
                Err(e) if e.is_refusal() => {
                    match self.write_settlement(
                        actor,
                        action,
                        &digest,
                        now,
                        None,
                        Settlement::refused(&e),
                    )? {
                        Some(result) => return Ok(result),
                        None => continue,
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn pull(&self, engineer: EngineerId, cursor: SyncCursor, limit: u32) -> Result<PullPage> {
        self.with(move |mut c| async move {
            // One snapshot of the database for the whole page.
            let tx = c
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            let page = sync_rules::pull(&mut Reads { tx: &tx }, engineer, cursor, limit).await;
            tx.commit().await?;
            page
        })
    }

    fn conflicts(&self, engineer: Option<EngineerId>, limit: u32) -> Result<Vec<SyncConflict>> {
        let limit = i64::from(limit.clamp(1, 1000));
        self.with(move |c| async move {
            docs(
                &**c,
                "SELECT doc FROM sync_conflicts WHERE $1::uuid IS NULL OR engineer_id = $1
                 ORDER BY recorded_at DESC LIMIT $2",
                &[&engineer.map(|e| *e.as_uuid()), &limit],
            )
            .await
        })
    }
}

/// A pull's reads on PostgreSQL, in one repeatable-read transaction.
struct Reads<'a, 'b> {
    tx: &'a Transaction<'b>,
}

impl ScopeReads for Reads<'_, '_> {
    async fn latest_seq(&mut self) -> Result<i64> {
        super::latest_seq(self.tx).await
    }

    async fn changes_after(&mut self, seq: i64, limit: u32) -> Result<Vec<Change>> {
        changes_since(self.tx, seq, limit).await
    }

    async fn phase_ids(
        &mut self,
        phase: SnapshotPhase,
        engineer: EngineerId,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Uuid>> {
        let sql = match phase {
            SnapshotPhase::WorkOrders => {
                "SELECT id FROM work_orders WHERE assignee = $1
                 AND status NOT IN ('closed', 'cancelled') AND ($2::uuid IS NULL OR id > $2)
                 ORDER BY id LIMIT $3"
            }
            SnapshotPhase::CustomerFiles => {
                "SELECT DISTINCT customer_id FROM work_orders WHERE assignee = $1
                 AND status NOT IN ('closed', 'cancelled')
                 AND ($2::uuid IS NULL OR customer_id > $2) ORDER BY customer_id LIMIT $3"
            }
            // Every published article engineers may read: the fault in front of them may be
            // on a model none of their jobs names.
            SnapshotPhase::Articles => {
                "SELECT id FROM articles WHERE $1::uuid IS NOT NULL AND state = 'published'
                 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"
            }
            // Every engineer.
            SnapshotPhase::Colleagues => {
                "SELECT id FROM engineers WHERE $1::uuid IS NOT NULL
                 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"
            }
        };
        Ok(self
            .tx
            .query(sql, &[engineer.as_uuid(), &after, &limit])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn work_order(&mut self, id: Uuid) -> Result<WorkOrder> {
        get(self.tx, id).await
    }

    async fn customer_file(&mut self, id: CustomerId) -> Result<CustomerFile> {
        super::customers::customer_file(self.tx, id).await
    }

    async fn article(&mut self, id: Uuid) -> Result<Article> {
        get(self.tx, id).await
    }

    async fn engineer(&mut self, id: Uuid) -> Result<Engineer> {
        get(self.tx, id).await
    }

    async fn conflict(&mut self, id: Uuid) -> Result<SyncConflict> {
        let row = self
            .tx
            .query_one("SELECT doc FROM sync_conflicts WHERE id = $1", &[&id])
            .await?;
        read_doc(row.get(0))
    }

    async fn history_entry(&mut self, job: Uuid, version: u64) -> Result<Option<HistoryEntry>> {
        self.tx
            .query_opt(
                "SELECT doc FROM work_order_history WHERE work_order_id = $1 AND version = $2",
                &[&job, &(version as i64)],
            )
            .await?
            .map(|r| read_doc(r.get(0)))
            .transpose()
    }

    async fn owner_of(&mut self, entity: Entity, id: Uuid) -> Result<CustomerId> {
        let table = match entity {
            Entity::Contact => "contacts",
            Entity::Site => "sites",
            _ => "assets",
        };
        Ok(CustomerId::from_uuid(
            self.tx
                .query_one(
                    &format!("SELECT customer_id FROM {table} WHERE id = $1"),
                    &[&id],
                )
                .await?
                .get(0),
        ))
    }

    async fn customers_of_open_jobs(
        &mut self,
        engineer: EngineerId,
    ) -> Result<HashSet<CustomerId>> {
        Ok(self
            .tx
            .query(
                "SELECT DISTINCT customer_id FROM work_orders
                 WHERE assignee = $1 AND status NOT IN ('closed', 'cancelled')",
                &[engineer.as_uuid()],
            )
            .await?
            .iter()
            .map(|r| CustomerId::from_uuid(r.get(0)))
            .collect())
    }
}

fn read_doc<T: serde::de::DeserializeOwned>(doc: serde_json::Value) -> Result<T> {
    serde_json::from_value(doc).map_err(|e| Error::Internal(format!("unreadable record: {e}")))
}
