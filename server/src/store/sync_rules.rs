//! Device sync rules both stores follow. Pushed actions: an action id answered once, and an
//! action's standing against the job as it is now (what to do with it is core's `Replay`).
//! Pulls: what an engineer's device pulls, decided once for both stores: a snapshot of the engineer's
//! scope (their open jobs, the files of the customers behind them, every published article,
//! the colleagues), then the change log filtered to that scope. Each store answers the reads
//! in one consistent view of its own. (Async so PostgreSQL's driver can answer; SQLite's
//! answers at once.)

use std::collections::HashSet;

use fixline_api::live::{Change, ChangeOp, Entity};
use fixline_core::customer::CustomerFile;
use fixline_core::engineer::Engineer;
use fixline_core::ids::{CustomerId, EngineerId, UserId, WorkOrderId};
use fixline_core::knowledge::Article;
use fixline_core::role::Actor;
use fixline_core::sync::{
    ACTION_ID_REUSED, Colleague, DeviceAction, PullPage, PullProgress, PullRecord, PushOutcome,
    SnapshotPhase, Standing, SyncConflict, SyncCursor,
};
use fixline_core::work_order::{ActionKind, HistoryEntry, HistoryEvent, WorkOrder};
use uuid::Uuid;

use crate::error::Result;

/// An action pushed before, as the store kept it.
pub(crate) struct Kept {
    pub user: UserId,
    pub work_order: WorkOrderId,
    pub outcome: PushOutcome,
    /// What the action said (older rows have none).
    pub digest: Option<String>,
}

/// The answer an action id already got: the same id with another body, job or user is another
/// action, refused without telling anything of the first. `true`: the answer shows the job as
/// the actor holds it now.
pub(crate) fn answered(
    kept: Kept,
    actor: &Actor,
    action: &DeviceAction,
    digest: &str,
) -> (PushOutcome, bool) {
    let same = kept.user == actor.user
        && kept.work_order == action.work_order
        && kept.digest.is_none_or(|d| d == digest);
    if !same {
        return (
            PushOutcome::Rejected {
                code: ACTION_ID_REUSED.to_owned(),
                message: "this action id was already used for a different action; the device \
                          must give each action its own id"
                    .to_owned(),
            },
            false,
        );
    }
    (kept.outcome, true)
}

/// The job as an answer shows it: only to one who holds it now (engineers see only their own).
pub(crate) fn shown(job: Option<WorkOrder>, actor: &Actor) -> Option<WorkOrder> {
    job.filter(|wo| actor.engineer.is_none() || wo.assignee == actor.engineer)
}

/// Whether the actor ever held the job (`in_log`: the change log shows it with them), and
/// whether anyone else changed it after the version the device saw (`later`: the history
/// after it).
pub(crate) fn standing(
    wo: &WorkOrder,
    actor: &Actor,
    in_log: bool,
    later: &[HistoryEntry],
) -> Standing {
    Standing {
        held_job: match actor.engineer {
            Some(e) => wo.assignee == Some(e) || in_log,
            None => true,
        },
        changed_by_others: later
            .iter()
            .any(|h| h.actor.as_ref().is_none_or(|a| a.user != actor.user)),
    }
}

/// The reads a pull makes.
#[allow(async_fn_in_trait)]
pub(crate) trait ScopeReads {
    async fn latest_seq(&mut self) -> Result<i64>;
    async fn changes_after(&mut self, seq: i64, limit: u32) -> Result<Vec<Change>>;
    /// The ids of one snapshot phase after `after`, in id order, at most `limit`.
    async fn phase_ids(
        &mut self,
        phase: SnapshotPhase,
        engineer: EngineerId,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Uuid>>;
    async fn work_order(&mut self, id: Uuid) -> Result<WorkOrder>;
    async fn customer_file(&mut self, id: CustomerId) -> Result<CustomerFile>;
    async fn article(&mut self, id: Uuid) -> Result<Article>;
    async fn engineer(&mut self, id: Uuid) -> Result<Engineer>;
    async fn conflict(&mut self, id: Uuid) -> Result<SyncConflict>;
    /// The job's history line at `version`, if there is one.
    async fn history_entry(&mut self, job: Uuid, version: u64) -> Result<Option<HistoryEntry>>;
    /// The customer a contact, site or asset belongs to.
    async fn owner_of(&mut self, entity: Entity, id: Uuid) -> Result<CustomerId>;
    /// The customers behind the engineer's open jobs.
    async fn customers_of_open_jobs(&mut self, engineer: EngineerId)
    -> Result<HashSet<CustomerId>>;
}

/// The change a recorded conflict logs: to its engineer, in the job's region.
pub(crate) fn conflict_change(conflict: &SyncConflict, region: &str) -> Change {
    Change {
        seq: 0,
        at: conflict.recorded_at,
        entity: Entity::SyncConflict,
        entity_id: *conflict.id.as_uuid(),
        op: ChangeOp::Created,
        version: None,
        engineer_id: conflict.engineer,
        previous_engineer_id: None,
        region: Some(region.to_owned()),
        data: serde_json::to_value(conflict).unwrap_or_default(),
    }
}

/// One page of what the engineer's device needs, from `cursor` on.
pub(crate) async fn pull(
    reads: &mut impl ScopeReads,
    engineer: EngineerId,
    cursor: SyncCursor,
    limit: u32,
) -> Result<PullPage> {
    let limit = limit.clamp(1, 1000) as usize;
    match cursor {
        SyncCursor::Snapshot {
            upto,
            phase,
            after,
            done,
        } => snapshot_page(reads, engineer, upto, phase, after, done, limit).await,
        SyncCursor::Log { seq } => log_page(reads, engineer, seq, limit).await,
    }
}

async fn phase_record(
    reads: &mut impl ScopeReads,
    phase: SnapshotPhase,
    id: Uuid,
) -> Result<PullRecord> {
    Ok(match phase {
        SnapshotPhase::WorkOrders => PullRecord::WorkOrder(Box::new(reads.work_order(id).await?)),
        SnapshotPhase::CustomerFiles => {
            PullRecord::CustomerFile(reads.customer_file(CustomerId::from_uuid(id)).await?)
        }
        SnapshotPhase::Articles => reader_copy(reads.article(id).await?),
        SnapshotPhase::Colleagues => PullRecord::Colleague(colleague(reads.engineer(id).await?)),
    })
}

/// What a device keeps of an article: the published copy, or word that it was withdrawn.
fn reader_copy(article: Article) -> PullRecord {
    match article.for_readers() {
        Some(a) => PullRecord::Article(Box::new(a)),
        None => PullRecord::ArticleRemoved { id: article.id },
    }
}

fn colleague(e: Engineer) -> Colleague {
    Colleague {
        id: e.id,
        name: e.details.name,
        region: e.details.region,
        status: e.status,
        version: e.version,
    }
}

async fn snapshot_page(
    reads: &mut impl ScopeReads,
    engineer: EngineerId,
    upto: i64,
    mut phase: SnapshotPhase,
    mut after: Option<Uuid>,
    mut done: u64,
    limit: usize,
) -> Result<PullPage> {
    // The first page fixes the point the log is followed from once the snapshot is sent.
    let upto = if upto < 0 {
        reads.latest_seq().await?
    } else {
        upto
    };
    let mut total = 0_u64;
    let mut counted = Some(SnapshotPhase::WorkOrders);
    while let Some(p) = counted {
        total += reads.phase_ids(p, engineer, None, i64::MAX).await?.len() as u64;
        counted = p.next();
    }
    let total = total.max(done);
    let mut records = Vec::new();
    loop {
        let want = limit - records.len();
        let ids = reads.phase_ids(phase, engineer, after, want as i64).await?;
        for &id in &ids {
            records.push(phase_record(reads, phase, id).await?);
            after = Some(id);
            done += 1;
        }
        if ids.len() == want {
            let cursor = SyncCursor::Snapshot {
                upto,
                phase,
                after,
                done,
            };
            return Ok(PullPage {
                records,
                cursor,
                complete: false,
                progress: PullProgress { done, total },
            });
        }
        match phase.next() {
            Some(next) => {
                phase = next;
                after = None;
            }
            None => {
                return Ok(PullPage {
                    records,
                    cursor: SyncCursor::Log { seq: upto },
                    complete: false,
                    progress: PullProgress { done, total },
                });
            }
        }
    }
}

async fn log_page(
    reads: &mut impl ScopeReads,
    engineer: EngineerId,
    seq: i64,
    limit: usize,
) -> Result<PullPage> {
    let latest = reads.latest_seq().await?;
    // Scan more changes than records fit in a page: most changes are outside the scope.
    let scan = (limit * 4) as u32;
    let changes = reads.changes_after(seq, scan).await?;
    let my_customers = reads.customers_of_open_jobs(engineer).await?;
    let mut records = Vec::new();
    let mut sent: HashSet<(Entity, Uuid)> = HashSet::new();
    let mut cursor = seq;
    for change in &changes {
        if records.len() >= limit {
            break;
        }
        cursor = change.seq;
        let id = change.entity_id;
        match change.entity {
            Entity::WorkOrder if change.engineer_id == Some(engineer) => {
                let wo = reads.work_order(id).await?;
                let customer = wo.customer_id;
                let newly_mine = match change.version {
                    Some(v) => newly_assigned(reads, &wo, v).await?,
                    None => true,
                };
                if sent.insert((Entity::WorkOrder, id)) {
                    records.push(PullRecord::WorkOrder(Box::new(wo)));
                }
                // A job just given to this engineer brings its customer's file.
                if newly_mine && sent.insert((Entity::Customer, *customer.as_uuid())) {
                    records.push(PullRecord::CustomerFile(
                        reads.customer_file(customer).await?,
                    ));
                }
            }
            Entity::WorkOrder if change.previous_engineer_id == Some(engineer) => {
                if sent.insert((Entity::WorkOrder, id)) {
                    records.push(PullRecord::WorkOrderRemoved {
                        id: WorkOrderId::from_uuid(id),
                        reason: "the job was reassigned".to_owned(),
                    });
                }
            }
            Entity::WorkOrder => {}
            Entity::Customer | Entity::Contact | Entity::Site | Entity::Asset => {
                let customer = match change.entity {
                    Entity::Customer => CustomerId::from_uuid(id),
                    entity => reads.owner_of(entity, id).await?,
                };
                if my_customers.contains(&customer)
                    && sent.insert((Entity::Customer, *customer.as_uuid()))
                {
                    records.push(PullRecord::CustomerFile(
                        reads.customer_file(customer).await?,
                    ));
                }
            }
            Entity::Article => {
                if sent.insert((Entity::Article, id)) {
                    records.push(reader_copy(reads.article(id).await?));
                }
            }
            Entity::Engineer if change.op != ChangeOp::Position => {
                if sent.insert((Entity::Engineer, id)) {
                    records.push(PullRecord::Colleague(colleague(reads.engineer(id).await?)));
                }
            }
            Entity::Engineer => {}
            Entity::SyncConflict if change.engineer_id == Some(engineer) => {
                if sent.insert((Entity::SyncConflict, id)) {
                    records.push(PullRecord::Conflict(reads.conflict(id).await?));
                }
            }
            Entity::SyncConflict => {}
            // Complaints are the office's; devices never hold them.
            Entity::Complaint => {}
        }
    }
    let scanned_all =
        changes.len() < scan as usize && cursor == changes.last().map_or(seq, |c| c.seq);
    Ok(PullPage {
        records,
        cursor: SyncCursor::Log { seq: cursor },
        complete: scanned_all,
        progress: PullProgress {
            done: cursor.max(0) as u64,
            total: latest.max(0) as u64,
        },
    })
}

/// Whether this version of the job is the one that gave it to its engineer (an assignment, a
/// hand-over or a pick from the pool): only then does the device need the customer's file.
async fn newly_assigned(reads: &mut impl ScopeReads, wo: &WorkOrder, version: u64) -> Result<bool> {
    let Some(entry) = reads.history_entry(*wo.id.as_uuid(), version).await? else {
        return Ok(true);
    };
    Ok(match entry.event {
        HistoryEvent::Created { .. } => true,
        HistoryEvent::Action { action } | HistoryEvent::AutoAssigned { action, .. } => {
            matches!(
                action.kind(),
                ActionKind::Assign | ActionKind::HandOver | ActionKind::Pick
            )
        }
        HistoryEvent::Edited { .. } | HistoryEvent::OfflineConflict { .. } => false,
    })
}
