//! Device sync on SQLite: device actions applied at most once, conflicts kept, and the pages a
//! device pulls (a snapshot of its engineer's scope, then the change log).
//!
//! An engineer's scope: their jobs that are not closed or cancelled, the files of the customers
//! behind them, every published knowledge-base article (its published copy only), and the list
//! of colleagues (to hand a job over).

use crate::store::SyncStore;
use std::collections::HashSet;

use fixline_core::Timestamp;
use fixline_core::ids::{ConflictId, CustomerId, EngineerId};
use fixline_core::knowledge::Article;
use fixline_core::role::Actor;
use fixline_core::sync::{
    ACTION_ID_REUSED, Colleague, DeviceAction, PullPage, PullProgress, PullRecord, PushOutcome,
    PushResult, Replay, Settlement, SnapshotPhase, Standing, SyncConflict, SyncCursor,
};
use fixline_core::work_order::{ActionKind, HistoryEntry, HistoryEvent, Revision, WorkOrder};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::{
    ChangeLog, SqliteStore, changes_after, customer_file, docs, from_json, get, insert_history,
    put_work_order, to_json, ts,
};
use crate::error::{Error, Result};
use crate::store::{Change, ChangeOp, DeviceDecision, Entity};

/// Jobs in an engineer's scope, as a SQL condition on `work_orders` with the engineer as `?1`.
const MY_JOBS: &str = "assignee = ?1 AND status NOT IN ('closed', 'cancelled')";

/// The job as the server has it, if the actor holds it now (engineers see only their own jobs).
/// The answer an action id already got, if it was pushed before. The same id with another body,
/// job or user is another action: it is refused, and nothing of the first is told.
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
    let Some((user, job, outcome, stored_digest)) = stored else {
        return Ok(None);
    };
    let same = user == actor.user.to_string()
        && job == action.work_order.to_string()
        && stored_digest.is_none_or(|d| d == digest);
    if !same {
        return Ok(Some(PushResult {
            id: action.id,
            outcome: PushOutcome::Rejected {
                code: ACTION_ID_REUSED.to_owned(),
                message: "this action id was already used for a different action; the device \
                          must give each action its own id"
                    .to_owned(),
            },
            work_order: None,
        }));
    }
    Ok(Some(PushResult {
        id: action.id,
        outcome: from_json(&outcome)?,
        work_order: held_now(tx, action, actor)?,
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
    match get::<WorkOrder>(tx, *action.work_order.as_uuid()) {
        Ok(wo) if actor.engineer.is_none() || wo.assignee == actor.engineer => Ok(Some(wo)),
        Ok(_) | Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether the actor ever held the job, and whether anyone else changed it after `base`.
fn standing(tx: &Transaction<'_>, wo: &WorkOrder, actor: &Actor, base: u64) -> Result<Standing> {
    let held_job = match actor.engineer {
        Some(e) if wo.assignee == Some(e) => true,
        Some(e) => tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM changes WHERE entity = 'work_order' AND entity_id = ?1
                 AND (engineer_id = ?2 OR previous_engineer_id = ?2))",
            [wo.id.to_string(), e.to_string()],
            |r| r.get(0),
        )?,
        None => true,
    };
    let later: Vec<HistoryEntry> = docs(
        tx,
        "SELECT doc FROM work_order_history WHERE work_order_id = ?1 AND version > ?2",
        params![wo.id.to_string(), base as i64],
    )?;
    let changed_by_others = later
        .iter()
        .any(|h| h.actor.as_ref().is_none_or(|a| a.user != actor.user));
    Ok(Standing {
        held_job,
        changed_by_others,
    })
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
    log.record(
        tx,
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
        },
    )
}

fn latest_seq(c: &Connection) -> Result<i64> {
    Ok(
        c.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| {
            r.get(0)
        })?,
    )
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

fn snapshot_total(c: &Connection, me: &str) -> Result<u64> {
    let mut total = 0_u64;
    let mut phase = Some(SnapshotPhase::WorkOrders);
    while let Some(p) = phase {
        let n: i64 = c.query_row(
            &format!("SELECT count(*) FROM ({})", phase_query(p)),
            params![me, "", i64::MAX],
            |r| r.get(0),
        )?;
        total += n.max(0) as u64;
        phase = p.next();
    }
    Ok(total)
}

fn phase_record(c: &Connection, phase: SnapshotPhase, id: Uuid) -> Result<PullRecord> {
    Ok(match phase {
        SnapshotPhase::WorkOrders => PullRecord::WorkOrder(Box::new(get(c, id)?)),
        SnapshotPhase::CustomerFiles => {
            PullRecord::CustomerFile(customer_file(c, CustomerId::from_uuid(id))?)
        }
        SnapshotPhase::Articles => reader_copy(get(c, id)?),
        SnapshotPhase::Colleagues => PullRecord::Colleague(colleague(get(c, id)?)),
    })
}

/// What a device keeps of an article: the published copy, or word that it was withdrawn.
fn reader_copy(article: Article) -> PullRecord {
    match article.for_readers() {
        Some(a) => PullRecord::Article(Box::new(a)),
        None => PullRecord::ArticleRemoved { id: article.id },
    }
}

fn colleague(e: fixline_core::engineer::Engineer) -> Colleague {
    Colleague {
        id: e.id,
        name: e.details.name,
        region: e.details.region,
        status: e.status,
        version: e.version,
    }
}

fn snapshot_page(
    c: &Connection,
    me: &str,
    upto: i64,
    mut phase: SnapshotPhase,
    mut after: Option<Uuid>,
    mut done: u64,
    limit: usize,
) -> Result<PullPage> {
    // The first page fixes the point the log is followed from once the snapshot is sent.
    let upto = if upto < 0 { latest_seq(c)? } else { upto };
    let total = snapshot_total(c, me)?.max(done);
    let mut records = Vec::new();
    loop {
        let want = limit - records.len();
        let mut stmt = c.prepare_cached(phase_query(phase))?;
        let start = after.map(|a| a.to_string()).unwrap_or_default();
        let ids = stmt
            .query_map(params![me, start, want as i64], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for id in &ids {
            let id: Uuid = id
                .parse()
                .map_err(|_| Error::Internal(format!("bad id {id:?} in database")))?;
            records.push(phase_record(c, phase, id)?);
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

fn log_page(
    c: &Connection,
    engineer: EngineerId,
    me: &str,
    seq: i64,
    limit: usize,
) -> Result<PullPage> {
    let latest = latest_seq(c)?;
    // Scan more changes than records fit in a page: most changes are outside the scope.
    let scan = (limit * 4) as u32;
    let changes = changes_after(c, seq, scan)?;
    let my_customers: HashSet<String> = strings(
        c,
        &format!("SELECT DISTINCT customer_id FROM work_orders WHERE {MY_JOBS}"),
        me,
    )?;
    let mut records = Vec::new();
    let mut sent: HashSet<(Entity, Uuid)> = HashSet::new();
    let mut cursor = seq;
    for change in &changes {
        if records.len() >= limit {
            break;
        }
        cursor = change.seq;
        let mut send = |entity: Entity, id: Uuid, record: &dyn Fn() -> Result<PullRecord>| {
            if sent.insert((entity, id)) {
                records.push(record()?);
            }
            Ok::<_, Error>(())
        };
        let id = change.entity_id;
        match change.entity {
            Entity::WorkOrder if change.engineer_id == Some(engineer) => {
                let wo: WorkOrder = get(c, id)?;
                let customer = wo.customer_id;
                let newly_mine = change
                    .version
                    .map(|v| newly_assigned(c, &wo, v))
                    .transpose()?
                    .unwrap_or(true);
                send(Entity::WorkOrder, id, &|| {
                    Ok(PullRecord::WorkOrder(Box::new(wo.clone())))
                })?;
                // A job just given to this engineer brings its customer's file.
                if newly_mine {
                    let file = customer_file(c, customer)?;
                    send(Entity::Customer, *customer.as_uuid(), &|| {
                        Ok(PullRecord::CustomerFile(file.clone()))
                    })?;
                }
            }
            Entity::WorkOrder if change.previous_engineer_id == Some(engineer) => {
                send(Entity::WorkOrder, id, &|| {
                    Ok(PullRecord::WorkOrderRemoved {
                        id: fixline_core::ids::WorkOrderId::from_uuid(id),
                        reason: "the job was reassigned".to_owned(),
                    })
                })?;
            }
            Entity::WorkOrder => {}
            Entity::Customer | Entity::Contact | Entity::Site | Entity::Asset => {
                let customer = match change.entity {
                    Entity::Customer => id.to_string(),
                    entity => owner_of(c, entity, id)?,
                };
                if my_customers.contains(&customer) {
                    let customer_id: Uuid = customer
                        .parse()
                        .map_err(|_| Error::Internal("bad customer id in database".into()))?;
                    send(Entity::Customer, customer_id, &|| {
                        Ok(PullRecord::CustomerFile(customer_file(
                            c,
                            CustomerId::from_uuid(customer_id),
                        )?))
                    })?;
                }
            }
            Entity::Article => {
                let article: Article = get(c, id)?;
                send(Entity::Article, id, &|| Ok(reader_copy(article.clone())))?;
            }
            Entity::Engineer if change.op != ChangeOp::Position => {
                send(Entity::Engineer, id, &|| {
                    Ok(PullRecord::Colleague(colleague(get(c, id)?)))
                })?;
            }
            Entity::Engineer => {}
            Entity::SyncConflict if change.engineer_id == Some(engineer) => {
                let doc: String = c.query_row(
                    "SELECT doc FROM sync_conflicts WHERE id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )?;
                send(Entity::SyncConflict, id, &|| {
                    Ok(PullRecord::Conflict(from_json(&doc)?))
                })?;
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
/// hand-over or a pick from the pool): only then does the device need the customer's file and guides with it.
fn newly_assigned(c: &Connection, wo: &WorkOrder, version: u64) -> Result<bool> {
    let doc: Option<String> = c
        .query_row(
            "SELECT doc FROM work_order_history WHERE work_order_id = ?1 AND version = ?2",
            params![wo.id.to_string(), version as i64],
            |r| r.get(0),
        )
        .optional()?;
    let Some(doc) = doc else {
        return Ok(true);
    };
    let entry: HistoryEntry = from_json(&doc)?;
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

fn strings(c: &Connection, sql: &str, me: &str) -> Result<HashSet<String>> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map([me], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The customer a contact, site or asset belongs to.
fn owner_of(c: &Connection, entity: Entity, id: Uuid) -> Result<String> {
    let table = match entity {
        Entity::Contact => "contacts",
        Entity::Site => "sites",
        _ => "assets",
    };
    Ok(c.query_row(
        &format!("SELECT customer_id FROM {table} WHERE id = ?1"),
        [id.to_string()],
        |r| r.get(0),
    )?)
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
        let limit = limit.clamp(1, 1000) as usize;
        self.read(|c| {
            // One read transaction, so the page is one consistent view.
            let tx = c.unchecked_transaction()?;
            let me = engineer.to_string();
            let page = match cursor {
                SyncCursor::Snapshot {
                    upto,
                    phase,
                    after,
                    done,
                } => snapshot_page(&tx, &me, upto, phase, after, done, limit),
                SyncCursor::Log { seq } => log_page(&tx, engineer, &me, seq, limit),
            };
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
