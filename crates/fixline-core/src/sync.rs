//! Device sync: the wire records devices and the server exchange, and the rules for an action
//! done offline that reaches a server whose job has moved on.
//!
//! Devices send *actions* (the lifecycle [`Action`]s, with a device-made id and the device's
//! time), never whole records; the server replays each through [`WorkOrder::apply`] exactly as
//! the device did. Who owns what decides a clash:
//!
//! * the desk owns assignment, priority, category, the requested window and cancellation;
//! * the engineer owns visits (check-in/out times and positions), the resolution and notes.
//!
//! An engineer's action never writes a desk field, so it applies on top of whatever the desk
//! changed meanwhile. When it can no longer apply because the desk took the job away (reassigned,
//! cancelled) or moved it on, [`replay`] keeps the engineer's work on the job as a note and
//! reports a [`ConflictKind`] that both the device and the dispatcher are shown.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::customer::CustomerFile;
use crate::engineer::EngineerStatus;
use crate::ids::{ActionId, ArticleId, ConflictId, EngineerId, WorkOrderId};
use crate::knowledge::Article;
use crate::role::Actor;
use crate::work_order::{
    Action, ActionContext, ActionKind, HistoryEntry, HistoryEvent, Note, Revision, WorkOrder,
};

/// The most actions one push may carry.
pub const PUSH_BATCH_MAX: usize = 100;

/// One action an engineer took on a device, online or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceAction {
    /// Made on the device; the server applies each id at most once.
    pub id: ActionId,
    pub work_order: WorkOrderId,
    /// The last version of the job the device had from the server when the engineer acted
    /// (actions queued offline one after another share it).
    pub base_version: u64,
    /// When it happened, by the device's clock; SLA clocks and visits use this time.
    pub at: DateTime<Utc>,
    pub action: Action,
}

impl DeviceAction {
    /// A fingerprint of everything the action says (hex SHA-256 of its JSON), kept with its
    /// outcome: an id sent again with another body is a different action, not a repeat.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_vec(self).unwrap_or_default();
        Sha256::digest(json)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Refuses an action dated before its job existed, less the clock skew devices are allowed
    /// (a device whose clock was reset to year 1 must not write history before the job).
    pub fn check_not_before(&self, job: &WorkOrder, skew: TimeDelta) -> Result<(), Error> {
        job.check_event_time(self.at, skew)
    }

    /// Refuses an action dated before the engineer's device first registered its seal key, less
    /// the clock skew devices are allowed. The app registers its key at the start of its first
    /// sync, before it holds any job, so nothing it recorded can be older. `None`: no device of
    /// the engineer has registered (a client without files), and only the job's bound holds.
    pub fn check_after_registration(
        &self,
        registered: Option<DateTime<Utc>>,
        skew: TimeDelta,
    ) -> Result<(), Error> {
        match registered {
            Some(registered) if self.at + skew < registered => Err(Error::invalid(
                "at",
                format!(
                    "{} is before this engineer's device was registered ({}); check the device's date and time",
                    self.at.format("%Y-%m-%d %H:%M UTC"),
                    registered.format("%Y-%m-%d %H:%M UTC"),
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// The action's time is ahead of the server's clock: not stored, sent again later.
pub const CLOCK_AHEAD: &str = "clock_ahead";
/// A receipt sealed with a key not (yet) registered to the engineer: not stored, sent again
/// once the device has registered its key.
pub const UNKNOWN_DEVICE: &str = "unknown_device";

/// Whether a refusal is for now only: the server did not keep it, and the device sends the
/// action again on a later sync instead of giving it up.
pub fn answered_later(code: &str) -> bool {
    code == CLOCK_AHEAD || code == UNKNOWN_DEVICE
}

/// The code a pushed action gets when its id already stands for a different action (another
/// body, another job or another user's); nothing about the first action is told.
pub const ACTION_ID_REUSED: &str = "action_id_reused";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub actions: Vec<DeviceAction>,
}

/// Why an offline action could not be applied as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// The desk gave the job to someone else (or took it back) while the engineer worked offline.
    Reassigned,
    /// The desk cancelled the job.
    Cancelled,
    /// Someone else moved the job to a state where the action no longer fits.
    Superseded,
}

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::Reassigned => "reassigned",
            ConflictKind::Cancelled => "cancelled",
            ConflictKind::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ConflictKind::Reassigned,
            ConflictKind::Cancelled,
            ConflictKind::Superseded,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

impl fmt::Display for ConflictKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConflictKind::Reassigned => "the job was reassigned",
            ConflictKind::Cancelled => "the job was cancelled",
            ConflictKind::Superseded => "the job was changed by someone else",
        })
    }
}

/// What became of one pushed action. Stored by the server with the action id, so a repeated push
/// gets the same answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PushOutcome {
    Applied {
        version: u64,
    },
    /// Not applied as such; the engineer's work was kept on the job as a note.
    Conflict {
        conflict: ConflictId,
        kind: ConflictKind,
        message: String,
    },
    /// Refused: the action is wrong in itself (e.g. a missing resolution), or not the
    /// engineer's to take. `code` is one of the API's error codes.
    Rejected {
        code: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResult {
    pub id: ActionId,
    #[serde(flatten)]
    pub outcome: PushOutcome,
    /// The job as the server now has it, when the engineer may still see it.
    #[serde(default)]
    pub work_order: Option<WorkOrder>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<PushResult>,
}

/// A conflict as the dispatcher and the engineer see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncConflict {
    pub id: ConflictId,
    pub action_id: ActionId,
    pub work_order: WorkOrderId,
    pub work_order_number: String,
    pub engineer: Option<EngineerId>,
    pub kind: ConflictKind,
    pub message: String,
    pub action: Action,
    /// When the engineer acted (device time).
    pub acted_at: DateTime<Utc>,
    /// When the server learnt of it.
    pub recorded_at: DateTime<Utc>,
}

/// What the server does with one device action.
#[derive(Debug, Clone, PartialEq)]
pub enum Replay {
    Applied(WorkOrder),
    /// The action no longer fits; `kept` is the job with the engineer's work recorded as a note.
    Conflict {
        kind: ConflictKind,
        message: String,
        kept: WorkOrder,
    },
    Rejected(Error),
}

impl Replay {
    /// "On my way": the expected arrival goes on the job with an applied step.
    pub fn expecting(mut self, eta: Option<DateTime<Utc>>) -> Self {
        if let (Replay::Applied(next), Some(eta)) = (&mut self, eta) {
            next.eta = Some(eta);
        }
        self
    }

    /// What the store keeps for the action: the device's answer and, unless refused, the
    /// job's next version with its history line and the conflict to report. `conflict_id`
    /// names the conflict if there is one (ids are made where I/O is).
    pub fn settle(
        self,
        action: &DeviceAction,
        actor: &Actor,
        conflict_id: ConflictId,
        now: DateTime<Utc>,
    ) -> Settlement {
        let change = |next: &WorkOrder, event| {
            let entry = HistoryEntry::after(next, action.at, Some(actor.clone()), event);
            Revision {
                next: next.clone(),
                entry,
            }
        };
        match self {
            Replay::Applied(next) => Settlement {
                outcome: PushOutcome::Applied {
                    version: next.version,
                },
                change: Some(change(
                    &next,
                    HistoryEvent::Action {
                        action: action.action.clone(),
                    },
                )),
                conflict: None,
            },
            Replay::Conflict {
                kind,
                message,
                kept,
            } => Settlement {
                outcome: PushOutcome::Conflict {
                    conflict: conflict_id,
                    kind,
                    message: message.clone(),
                },
                change: Some(change(
                    &kept,
                    HistoryEvent::OfflineConflict {
                        action: action.action.clone(),
                        kind,
                    },
                )),
                conflict: Some(SyncConflict {
                    id: conflict_id,
                    action_id: action.id,
                    work_order: kept.id,
                    work_order_number: kept.number.clone(),
                    engineer: actor.engineer,
                    kind,
                    message,
                    action: action.action.clone(),
                    acted_at: action.at,
                    recorded_at: now,
                }),
            },
            Replay::Rejected(e) => Settlement::refused(&e),
        }
    }
}

/// What a store keeps for one device action (see [`Replay::settle`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    pub outcome: PushOutcome,
    pub change: Option<Revision>,
    pub conflict: Option<SyncConflict>,
}

impl Settlement {
    /// Refused, with the error's code and words; nothing is written but the answer.
    pub fn refused(e: &impl RefusalCode) -> Self {
        Settlement {
            outcome: PushOutcome::Rejected {
                code: e.refusal_code().to_owned(),
                message: e.to_string(),
            },
            change: None,
            conflict: None,
        }
    }
}

/// An error a device is answered with: its stable code and its words.
pub trait RefusalCode: fmt::Display {
    fn refusal_code(&self) -> &str;
}

impl RefusalCode for Error {
    fn refusal_code(&self) -> &str {
        self.code().as_str()
    }
}

/// What the server knows about the job's past that decides between a conflict and a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The acting engineer held this job at some point; a stranger's action is simply refused.
    pub held_job: bool,
    /// Someone other than the actor changed the job after `base_version`. If not, an action
    /// that does not fit is wrong in itself, not a clash.
    pub changed_by_others: bool,
}

/// Replays a device action on the server's current job.
pub fn replay(
    current: &WorkOrder,
    action: &DeviceAction,
    ctx: &ActionContext<'_>,
    standing: Standing,
) -> Replay {
    let error = match current.apply(&action.action, ctx) {
        Ok(next) => return Replay::Applied(next),
        Err(e) => e,
    };
    // Someone who never held the job learns nothing about it.
    if !standing.held_job {
        return Replay::Rejected(Error::NotAssignee {
            action: action.action.kind(),
        });
    }
    // Bad input, or nobody else changed the job: the action is wrong in itself.
    if let Err(invalid) = action.action.validate() {
        return Replay::Rejected(invalid);
    }
    if matches!(error, Error::Invalid { .. }) || !standing.changed_by_others || !standing.held_job {
        return Replay::Rejected(error);
    }
    let Some(kind) = conflict_kind(current, ctx.actor) else {
        return Replay::Rejected(error);
    };
    let message = format!(
        "{} {} at {} was not applied: {kind} ({error})",
        ctx.actor.name,
        describe(&action.action),
        action.at.format("%Y-%m-%d %H:%M UTC"),
    );
    let mut kept = current.clone();
    kept.notes.push(Note {
        at: action.at,
        author: ctx.actor.user,
        author_name: ctx.actor.name.clone(),
        text: format!(
            "[offline, not applied: {kind}] {}",
            describe(&action.action)
        ),
    });
    kept.advance(ctx.at.max(current.updated_at));
    Replay::Conflict {
        kind,
        message,
        kept,
    }
}

fn conflict_kind(current: &WorkOrder, actor: &Actor) -> Option<ConflictKind> {
    if current.status == crate::work_order::Status::Cancelled {
        Some(ConflictKind::Cancelled)
    } else if actor.engineer.is_some() && current.assignee != actor.engineer {
        Some(ConflictKind::Reassigned)
    } else if actor.engineer.is_some() {
        Some(ConflictKind::Superseded)
    } else {
        None
    }
}

/// The facts an action carries, in words, so nothing the engineer recorded is lost.
pub fn describe(action: &Action) -> String {
    let kind = action.kind();
    let detail = match action {
        Action::Arrive {
            position: Some(p), ..
        } => format!(" at {:.5}, {:.5}", p.lat, p.lon),
        Action::Complete {
            resolution,
            summary,
            ..
        } => format!(" ({resolution:?}): {summary}"),
        Action::Pause { reason, note } => format!(
            " ({reason:?}){}",
            note.as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        ),
        Action::Decline { reason }
        | Action::HandOver { reason, .. }
        | Action::Cancel { reason }
        | Action::Reopen { reason } => format!(": {reason}"),
        Action::AddNote { text } => format!(": {text}"),
        Action::AttachPhoto { photo } => format!(" ({:?}) {}", photo.tag, photo.sha256),
        Action::RecordBill { bill } => {
            format!(
                ": {} part lines, {} labour lines",
                bill.parts.len(),
                bill.labour.len()
            )
        }
        Action::SignReceipt { receipt } => {
            format!(" {} ({})", receipt.number, receipt.sign_off.signer_name())
        }
        _ => String::new(),
    };
    match kind {
        ActionKind::AddNote => format!("note{detail}"),
        ActionKind::RateArticle => format!("guide rated{detail}"),
        _ => format!("{kind}{detail}"),
    }
}

/// The job as the device shows it: the server's copy with the actions not yet synced applied on
/// top. An action that no longer applies locally stays pending and is left to the server.
pub fn rebase<'a>(
    server: &WorkOrder,
    pending: impl IntoIterator<Item = &'a DeviceAction>,
    ctx: impl Fn(&DeviceAction) -> ActionContext<'a>,
) -> WorkOrder {
    pending
        .into_iter()
        .filter(|a| a.work_order == server.id)
        .fold(server.clone(), |wo, a| {
            wo.apply(&a.action, &ctx(a)).unwrap_or(wo)
        })
}

/// How long a device waits before retrying after the `attempts`-th failure to reach the server:
/// doubling from 2 s, capped at 5 minutes.
pub fn retry_delay(attempts: u32) -> TimeDelta {
    let secs = 2_i64.saturating_pow(attempts.clamp(1, 16)).min(300);
    TimeDelta::seconds(secs)
}

/// A colleague, as a device needs to know them: to hand a job over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Colleague {
    pub id: EngineerId,
    pub name: String,
    pub region: String,
    pub status: EngineerStatus,
    pub version: u64,
}

/// One record in a pull page; `record` names its type (not `kind`, which records use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum PullRecord {
    WorkOrder(Box<WorkOrder>),
    CustomerFile(CustomerFile),
    /// A published knowledge-base article (only its published copy travels).
    Article(Box<Article>),
    Colleague(Colleague),
    Conflict(SyncConflict),
    /// A job that left the device's scope (reassigned or handed over to someone else).
    WorkOrderRemoved {
        id: WorkOrderId,
        reason: String,
    },
    /// An article withdrawn from readers.
    ArticleRemoved {
        id: ArticleId,
    },
}

/// How far a pull has come, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullProgress {
    pub done: u64,
    pub total: u64,
}

/// One page of changes for a device. Devices store `cursor` only after storing the records, and
/// send it back for the next page; `complete` says the device is up to date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullPage {
    pub records: Vec<PullRecord>,
    pub cursor: SyncCursor,
    pub complete: bool,
    pub progress: PullProgress,
}

/// Where a device is in the server's data: first a snapshot of everything in its scope, taken
/// as of change `upto` and walked in phases, then the change log after a sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum SyncCursor {
    Snapshot {
        upto: i64,
        phase: SnapshotPhase,
        /// The last record of this phase already sent (records go in id order).
        after: Option<uuid::Uuid>,
        /// Records sent so far, for progress.
        done: u64,
    },
    Log {
        seq: i64,
    },
}

impl SyncCursor {
    pub const START: SyncCursor = SyncCursor::Snapshot {
        upto: -1,
        phase: SnapshotPhase::WorkOrders,
        after: None,
        done: 0,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SnapshotPhase {
    WorkOrders,
    CustomerFiles,
    #[serde(alias = "guides")]
    Articles,
    Colleagues,
}

impl SnapshotPhase {
    pub fn next(self) -> Option<SnapshotPhase> {
        match self {
            SnapshotPhase::WorkOrders => Some(SnapshotPhase::CustomerFiles),
            SnapshotPhase::CustomerFiles => Some(SnapshotPhase::Articles),
            SnapshotPhase::Articles => Some(SnapshotPhase::Colleagues),
            SnapshotPhase::Colleagues => None,
        }
    }
}
