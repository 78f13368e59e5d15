//! The work-order lifecycle as one pure function, [`WorkOrder::apply`]. The server and every
//! device run the same function, so they cannot disagree on what is legal; devices sync the
//! actions themselves and the server replays them.
//!
//! ```text
//! new → triaged → assigned → accepted → en_route → on_site → completed → confirmed → closed
//!                    ↑  ↓decline/hand over   ↕ paused (awaiting parts / customer)      │
//!  cancelled ← (any state before on site)          reopened → triaged ←────────────────┘
//! ```

use chrono::{DateTime, Utc};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    DispatchPin, Note, PauseReason, PlannedSlot, Resolution, ResolutionType, Visit, VisitOutcome,
    WorkOrder,
};
use crate::Error;
use crate::billing::Bill;
use crate::ids::EngineerId;
use crate::position::Position;
use crate::receipt::{PhotoRef, ReceiptRecord, SignOff, is_sha256_hex};
use crate::role::{Actor, Role};
use crate::sla::{Milestone, SlaPolicy};
use crate::text::{self, LINE_MAX};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Triaged,
    Assigned,
    Accepted,
    EnRoute,
    OnSite,
    /// Waiting for parts or the customer; the SLA clock is stopped.
    Paused,
    Completed,
    /// The customer confirmed the fix (return call or signature).
    Confirmed,
    Closed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::New,
        Status::Triaged,
        Status::Assigned,
        Status::Accepted,
        Status::EnRoute,
        Status::OnSite,
        Status::Paused,
        Status::Completed,
        Status::Confirmed,
        Status::Closed,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Triaged => "triaged",
            Status::Assigned => "assigned",
            Status::Accepted => "accepted",
            Status::EnRoute => "en_route",
            Status::OnSite => "on_site",
            Status::Paused => "paused",
            Status::Completed => "completed",
            Status::Confirmed => "confirmed",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Still needs work from the service organisation.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Status::Completed | Status::Confirmed | Status::Closed | Status::Cancelled
        )
    }

    /// An engineer holds the job.
    pub fn has_assignee(self) -> bool {
        matches!(
            self,
            Status::Assigned | Status::Accepted | Status::EnRoute | Status::OnSite | Status::Paused
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

/// Everything that can be done to a work order after intake. This is also the sync record a
/// device sends for a job worked offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Desk sets category and priority after reading the request, and what the job needs.
    Triage {
        #[serde(default)]
        category: Option<String>,
        #[serde(default)]
        priority: Option<super::Priority>,
        /// Replaces the job's requirements when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        requirements: Option<super::Requirements>,
    },
    Assign {
        engineer: EngineerId,
    },
    Accept,
    /// The engineer gives the job back to the dispatcher.
    Decline {
        reason: String,
    },
    /// The engineer passes the job to a colleague.
    HandOver {
        to: EngineerId,
        reason: String,
    },
    /// "On my way".
    StartTravel,
    Arrive {
        #[serde(default)]
        position: Option<Position>,
    },
    Pause {
        reason: PauseReason,
        #[serde(default)]
        note: Option<String>,
    },
    Resume,
    Complete {
        resolution: ResolutionType,
        summary: String,
        #[serde(default)]
        position: Option<Position>,
        /// What was wrong, from the job's category's faults in the code book.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fault_code: Option<String>,
        /// Why it happened, from the code book's causes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause_code: Option<String>,
        /// What was done, from the code book's resolutions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolution_code: Option<String>,
    },
    Confirm {
        #[serde(default)]
        note: Option<String>,
    },
    /// The desk talked the customer through the fix on the phone: resolved without a visit
    /// (first-contact resolution), whoever held the job.
    ResolveRemotely {
        summary: String,
    },
    Close,
    Cancel {
        reason: String,
    },
    Reopen {
        reason: String,
    },
    AddNote {
        text: String,
    },
    /// The engineer says whether a knowledge-base article opened from this job helped.
    RateArticle {
        article: crate::ids::ArticleId,
        helpful: bool,
    },
    /// A photo taken on site; its bytes travel separately, named by the hash.
    AttachPhoto {
        photo: PhotoRef,
    },
    RemovePhoto {
        sha256: String,
    },
    /// Parts used and labour, replacing what was recorded before.
    RecordBill {
        bill: Bill,
    },
    /// The customer signed the receipt the device made and sealed, or refused to.
    SignReceipt {
        receipt: Box<ReceiptRecord>,
    },
    /// The desk plans the visit's time and fixes what the optimiser may not move.
    Schedule {
        #[serde(default)]
        slot: Option<PlannedSlot>,
        #[serde(default)]
        pin: DispatchPin,
    },
    /// The desk offers the job to qualified engineers instead of assigning it.
    ReleaseToPool,
    /// An engineer takes a job from the pool (and with it, accepts it).
    Pick,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Triage,
    Assign,
    Accept,
    Decline,
    HandOver,
    StartTravel,
    Arrive,
    Pause,
    Resume,
    Complete,
    Confirm,
    ResolveRemotely,
    Close,
    Cancel,
    Reopen,
    AddNote,
    RateArticle,
    AttachPhoto,
    RemovePhoto,
    RecordBill,
    SignReceipt,
    Schedule,
    ReleaseToPool,
    Pick,
}

impl ActionKind {
    pub const ALL: [ActionKind; 24] = [
        ActionKind::Triage,
        ActionKind::Assign,
        ActionKind::Accept,
        ActionKind::Decline,
        ActionKind::HandOver,
        ActionKind::StartTravel,
        ActionKind::Arrive,
        ActionKind::Pause,
        ActionKind::Resume,
        ActionKind::Complete,
        ActionKind::Confirm,
        ActionKind::ResolveRemotely,
        ActionKind::Close,
        ActionKind::Cancel,
        ActionKind::Reopen,
        ActionKind::AddNote,
        ActionKind::RateArticle,
        ActionKind::AttachPhoto,
        ActionKind::RemovePhoto,
        ActionKind::RecordBill,
        ActionKind::SignReceipt,
        ActionKind::Schedule,
        ActionKind::ReleaseToPool,
        ActionKind::Pick,
    ];

    fn verb(self) -> &'static str {
        match self {
            ActionKind::Triage => "triage",
            ActionKind::Assign => "assign",
            ActionKind::Accept => "accept",
            ActionKind::Decline => "decline",
            ActionKind::HandOver => "hand over",
            ActionKind::StartTravel => "start travel to",
            ActionKind::Arrive => "check in at",
            ActionKind::Pause => "pause",
            ActionKind::Resume => "resume",
            ActionKind::Complete => "complete",
            ActionKind::Confirm => "confirm",
            ActionKind::ResolveRemotely => "resolve by remote guidance",
            ActionKind::Close => "close",
            ActionKind::Cancel => "cancel",
            ActionKind::Reopen => "reopen",
            ActionKind::AddNote => "add a note to",
            ActionKind::RateArticle => "rate a guide on",
            ActionKind::AttachPhoto => "attach a photo to",
            ActionKind::RemovePhoto => "remove a photo from",
            ActionKind::RecordBill => "record parts and labour on",
            ActionKind::SignReceipt => "sign the receipt of",
            ActionKind::Schedule => "schedule",
            ActionKind::ReleaseToPool => "release to the pool",
            ActionKind::Pick => "pick from the pool",
        }
    }

    /// The states this action may start from.
    pub fn allowed_from(self) -> &'static [Status] {
        use Status::*;
        match self {
            ActionKind::Triage => &[New, Triaged],
            ActionKind::Assign => &[New, Triaged, Assigned, Accepted],
            ActionKind::Accept => &[Assigned],
            ActionKind::Decline | ActionKind::HandOver => &[Assigned, Accepted],
            ActionKind::StartTravel => &[Accepted],
            ActionKind::Arrive => &[EnRoute],
            ActionKind::Pause => &[Assigned, Accepted, EnRoute, OnSite],
            ActionKind::Resume => &[Paused],
            // Remote guidance needs no visit; every other resolution is checked on site below.
            ActionKind::Complete => &[Accepted, EnRoute, OnSite],
            ActionKind::Confirm => &[Completed],
            // Before anyone is on the way: once travelling, the engineer completes it.
            ActionKind::ResolveRemotely => &[New, Triaged, Assigned, Accepted],
            ActionKind::Close => &[Confirmed],
            ActionKind::Cancel => &[New, Triaged, Assigned, Accepted, EnRoute, Paused],
            ActionKind::Reopen => &[Completed, Confirmed, Closed],
            ActionKind::AddNote => &Status::ALL,
            // While working the job, until the customer confirms.
            ActionKind::RateArticle => &[Accepted, EnRoute, OnSite, Paused, Completed],
            // Photos and the bill are recorded on site and until the customer signs.
            ActionKind::AttachPhoto | ActionKind::RemovePhoto | ActionKind::RecordBill => {
                &[OnSite, Paused, Completed]
            }
            ActionKind::SignReceipt => &[Completed],
            ActionKind::Schedule | ActionKind::ReleaseToPool => &[New, Triaged, Assigned, Accepted],
            ActionKind::Pick => &[Triaged],
        }
    }

    /// Who may perform the action.
    pub fn performers(self) -> Performers {
        match self {
            ActionKind::Triage
            | ActionKind::Assign
            | ActionKind::Close
            | ActionKind::Cancel
            | ActionKind::Schedule
            | ActionKind::ResolveRemotely
            | ActionKind::ReleaseToPool => Performers::Desk,
            ActionKind::Pick => Performers::AnyEngineer,
            ActionKind::Accept
            | ActionKind::Decline
            | ActionKind::HandOver
            | ActionKind::StartTravel
            | ActionKind::Arrive
            | ActionKind::Complete
            | ActionKind::AttachPhoto
            | ActionKind::RemovePhoto
            | ActionKind::RecordBill
            | ActionKind::RateArticle
            | ActionKind::SignReceipt => Performers::Assignee,
            ActionKind::Pause | ActionKind::Resume => Performers::DeskOrAssignee,
            ActionKind::Confirm | ActionKind::Reopen => Performers::DeskOrComplaints,
            ActionKind::AddNote => Performers::Anyone,
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.verb())
    }
}

/// Who may perform an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Performers {
    /// Dispatcher, service manager or admin.
    Desk,
    /// Only the engineer the job is assigned to.
    Assignee,
    DeskOrAssignee,
    /// The desk, or a complaint handler (customer confirmation calls and complaints).
    DeskOrComplaints,
    /// Anyone who can see the work order.
    Anyone,
    /// Any engineer (the job is not theirs yet: picking from the pool).
    AnyEngineer,
}

impl Action {
    /// Checks the action's own fields (reasons, summary, note text), whatever the job's state.
    /// [`WorkOrder::apply`] checks them too; this is for deciding a clash is not bad input.
    pub fn validate(&self) -> Result<(), Error> {
        match self {
            Action::Decline { reason }
            | Action::HandOver { reason, .. }
            | Action::Cancel { reason }
            | Action::Reopen { reason } => text::line("reason", reason, LINE_MAX).map(drop),
            Action::Complete { summary, .. } | Action::ResolveRemotely { summary } => {
                text::paragraph("summary", summary).map(drop)
            }
            Action::AddNote { text } => text::paragraph("text", text).map(drop),
            Action::Triage {
                category,
                requirements,
                ..
            } => {
                if let Some(category) = category {
                    text::line("category", category, 64)?;
                }
                match requirements {
                    Some(r) => r.clone().validated().map(drop),
                    None => Ok(()),
                }
            }
            Action::AttachPhoto { photo } => photo.validate(),
            Action::RemovePhoto { sha256 } => match is_sha256_hex(sha256) {
                true => Ok(()),
                false => Err(Error::invalid("sha256", "must be 64 hex digits")),
            },
            Action::RecordBill { bill } => bill.validate(),
            Action::SignReceipt { receipt } => receipt.validate(),
            Action::Schedule {
                slot: Some(slot), ..
            } => slot.validate(),
            _ => Ok(()),
        }
    }

    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Triage { .. } => ActionKind::Triage,
            Action::Assign { .. } => ActionKind::Assign,
            Action::Accept => ActionKind::Accept,
            Action::Decline { .. } => ActionKind::Decline,
            Action::HandOver { .. } => ActionKind::HandOver,
            Action::StartTravel => ActionKind::StartTravel,
            Action::Arrive { .. } => ActionKind::Arrive,
            Action::Pause { .. } => ActionKind::Pause,
            Action::Resume => ActionKind::Resume,
            Action::Complete { .. } => ActionKind::Complete,
            Action::Confirm { .. } => ActionKind::Confirm,
            Action::ResolveRemotely { .. } => ActionKind::ResolveRemotely,
            Action::Close => ActionKind::Close,
            Action::Cancel { .. } => ActionKind::Cancel,
            Action::Reopen { .. } => ActionKind::Reopen,
            Action::AddNote { .. } => ActionKind::AddNote,
            Action::RateArticle { .. } => ActionKind::RateArticle,
            Action::AttachPhoto { .. } => ActionKind::AttachPhoto,
            Action::RemovePhoto { .. } => ActionKind::RemovePhoto,
            Action::RecordBill { .. } => ActionKind::RecordBill,
            Action::SignReceipt { .. } => ActionKind::SignReceipt,
            Action::Schedule { .. } => ActionKind::Schedule,
            Action::ReleaseToPool => ActionKind::ReleaseToPool,
            Action::Pick => ActionKind::Pick,
        }
    }
}

/// Who acts, when (device time for offline work), under which SLA policy and code book.
#[derive(Debug, Clone, Copy)]
pub struct ActionContext<'a> {
    pub actor: &'a Actor,
    pub at: DateTime<Utc>,
    pub policy: &'a SlaPolicy,
    /// The fault, cause and resolution codes a completion is checked against.
    pub codes: &'a crate::fault_code::CodeBook,
}

impl WorkOrder {
    /// Checks the actor may perform `kind` now, without doing it. The UI uses this to show only
    /// the buttons that will work.
    pub fn check(&self, kind: ActionKind, actor: &Actor) -> Result<(), Error> {
        if !kind.allowed_from().contains(&self.status) {
            return Err(Error::IllegalTransition {
                action: kind,
                from: self.status,
            });
        }
        let is_desk = actor.role.is_desk();
        let is_assignee = actor.role == Role::Engineer
            && actor.engineer.is_some()
            && actor.engineer == self.assignee;
        let allowed = match kind.performers() {
            Performers::Desk => is_desk,
            Performers::Assignee => is_assignee,
            Performers::DeskOrAssignee => is_desk || is_assignee,
            Performers::DeskOrComplaints => is_desk || actor.role == Role::ComplaintHandler,
            Performers::Anyone => actor.role != Role::Engineer || is_assignee,
            Performers::AnyEngineer => actor.role == Role::Engineer && actor.engineer.is_some(),
        };
        match (allowed, actor.role) {
            (true, _) => Ok(()),
            (false, Role::Engineer)
                if kind.performers() != Performers::Desk
                    && kind.performers() != Performers::DeskOrComplaints =>
            {
                Err(Error::NotAssignee { action: kind })
            }
            (false, role) => Err(Error::RoleNotAllowed { action: kind, role }),
        }
    }

    /// The actions `actor` could take now.
    pub fn available_actions(&self, actor: &Actor) -> Vec<ActionKind> {
        ActionKind::ALL
            .into_iter()
            .filter(|k| self.check(*k, actor).is_ok())
            .collect()
    }

    /// Applies one action and returns the new work order; `self` is untouched on error.
    pub fn apply(&self, action: &Action, ctx: &ActionContext<'_>) -> Result<WorkOrder, Error> {
        let kind = action.kind();
        self.check(kind, ctx.actor)?;
        let at = ctx.at;
        let requirement = |what: &str| Error::Requirement {
            action: kind,
            requirement: what.to_owned(),
        };
        let mut next = self.clone();
        match action {
            Action::Triage {
                category,
                priority,
                requirements,
            } => {
                if let Some(category) = category {
                    next.category = text::line("category", category, 64)?;
                }
                if let Some(requirements) = requirements {
                    next.requirements = requirements.clone().validated()?;
                }
                if let Some(priority) = priority {
                    next.priority = *priority;
                    next.sla.retarget(
                        ctx.policy.targets(*priority, next.tier),
                        &ctx.policy.calendar,
                    );
                }
                next.status = Status::Triaged;
            }
            Action::Assign { engineer } => {
                if self.assignee == Some(*engineer) {
                    return Err(requirement("the job is already assigned to this engineer"));
                }
                next.assignee = Some(*engineer);
                next.pooled = false;
                next.forget_estimate();
                next.status = Status::Assigned;
            }
            Action::Accept => {
                next.sla.mark(Milestone::Respond, at);
                next.status = Status::Accepted;
            }
            Action::Decline { reason } => {
                next.push_note(ctx, "Declined", reason)?;
                next.assignee = None;
                next.drop_engineer_pin();
                next.forget_estimate();
                next.status = Status::Triaged;
            }
            Action::HandOver { to, reason } => {
                if self.assignee == Some(*to) {
                    return Err(requirement(
                        "a job cannot be handed over to the engineer who holds it",
                    ));
                }
                next.push_note(ctx, "Handed over", reason)?;
                next.assignee = Some(*to);
                next.drop_engineer_pin();
                next.forget_estimate();
                next.status = Status::Assigned;
            }
            Action::StartTravel => {
                next.sla.mark(Milestone::Respond, at);
                next.set_off_at = Some(at);
                next.status = Status::EnRoute;
            }
            Action::Arrive { position } => {
                let engineer = next
                    .assignee
                    .ok_or_else(|| requirement("the job has no engineer"))?;
                next.sla.mark(Milestone::Respond, at);
                next.sla.mark(Milestone::Arrive, at);
                next.eta = None;
                next.late_since = None;
                next.visits.push(Visit {
                    number: u32::try_from(self.visits.len() + 1).unwrap_or(u32::MAX),
                    engineer,
                    checked_in_at: at,
                    check_in_position: *position,
                    checked_out_at: None,
                    check_out_position: None,
                    outcome: None,
                    set_off_at: next.set_off_at.take(),
                });
                next.status = Status::OnSite;
            }
            Action::Pause { reason, note } => {
                if let Some(note) = note.as_deref().filter(|n| !n.trim().is_empty()) {
                    next.push_note(ctx, "Paused", note)?;
                }
                let outcome = match reason {
                    PauseReason::AwaitingParts => VisitOutcome::AwaitingParts,
                    PauseReason::AwaitingCustomer => VisitOutcome::AwaitingCustomer,
                };
                next.check_out(at, None, outcome).map_err(&requirement)?;
                next.sla.pause(at, &ctx.policy.calendar);
                next.pause_reason = Some(*reason);
                next.status = Status::Paused;
            }
            Action::Resume => {
                next.sla.resume(at, &ctx.policy.calendar);
                next.pause_reason = None;
                next.status = Status::Accepted;
            }
            Action::Complete {
                resolution,
                summary,
                position,
                fault_code,
                cause_code,
                resolution_code,
            } => {
                if *resolution != ResolutionType::RemoteGuidance && self.status != Status::OnSite {
                    return Err(requirement(
                        "an on-site repair, exchange or return needs the engineer on site",
                    ));
                }
                let summary = text::paragraph("summary", summary)?;
                ctx.codes.check(
                    &self.category,
                    fault_code.as_deref(),
                    cause_code.as_deref(),
                    resolution_code.as_deref(),
                )?;
                next.check_out(at, *position, VisitOutcome::Completed)
                    .map_err(&requirement)?;
                for m in [Milestone::Respond, Milestone::Arrive, Milestone::Resolve] {
                    next.sla.mark(m, at);
                }
                next.resolution = Some(Resolution {
                    kind: *resolution,
                    summary,
                    at,
                    fault_code: fault_code.clone(),
                    cause_code: cause_code.clone(),
                    resolution_code: resolution_code.clone(),
                });
                next.status = Status::Completed;
            }
            Action::ResolveRemotely { summary } => {
                let summary = text::paragraph("summary", summary)?;
                for m in [Milestone::Respond, Milestone::Arrive, Milestone::Resolve] {
                    next.sla.mark(m, at);
                }
                // Nobody needs to go: the engineer's day and the pool are freed.
                next.assignee = None;
                next.pooled = false;
                next.drop_engineer_pin();
                next.resolution = Some(Resolution {
                    kind: ResolutionType::RemoteGuidance,
                    summary,
                    at,
                    fault_code: None,
                    cause_code: None,
                    resolution_code: None,
                });
                next.status = Status::Completed;
            }
            Action::Confirm { note } => {
                if let Some(note) = note.as_deref().filter(|n| !n.trim().is_empty()) {
                    next.push_note(ctx, "Confirmed", note)?;
                }
                next.status = Status::Confirmed;
            }
            Action::Close => next.status = Status::Closed,
            Action::Cancel { reason } => {
                next.push_note(ctx, "Cancelled", reason)?;
                next.pooled = false;
                next.sla.resume(at, &ctx.policy.calendar);
                next.pause_reason = None;
                next.status = Status::Cancelled;
            }
            Action::Reopen { reason } => {
                next.push_note(ctx, "Reopened", reason)?;
                next.assignee = None;
                next.planned = None;
                next.pin = DispatchPin::None;
                next.resolution = None;
                next.sla.unmark(Milestone::Resolve);
                next.status = Status::Triaged;
            }
            Action::AddNote { text } => {
                let text = text::paragraph("text", text)?;
                next.notes.push(Note {
                    at,
                    author: ctx.actor.user,
                    author_name: ctx.actor.name.clone(),
                    text,
                });
            }
            Action::RateArticle { article, helpful } => {
                // A second answer on the same job replaces the first.
                next.articles_used.retain(|u| u.article != *article);
                next.articles_used.push(crate::knowledge::ArticleUse {
                    article: *article,
                    helpful: *helpful,
                    at,
                });
            }
            Action::AttachPhoto { .. } | Action::RemovePhoto { .. } | Action::RecordBill { .. }
                if self.receipt.is_some() =>
            {
                return Err(requirement(
                    "the receipt is made; photos and the bill can no longer change",
                ));
            }
            Action::AttachPhoto { photo } => {
                photo.validate()?;
                // Attaching the same photo again only updates its tag and caption.
                next.photos.retain(|p| p.sha256 != photo.sha256);
                next.photos.push(photo.clone());
            }
            Action::RemovePhoto { sha256 } => {
                if !self.photos.iter().any(|p| &p.sha256 == sha256) {
                    return Err(requirement("the photo is not on this job"));
                }
                next.photos.retain(|p| &p.sha256 != sha256);
            }
            Action::RecordBill { bill } => {
                bill.validate()?;
                next.bill = Some(bill.clone());
            }
            Action::SignReceipt { receipt } => {
                if self.receipt.is_some() {
                    return Err(requirement("the receipt is already signed"));
                }
                receipt.validate()?;
                if receipt.seal.statement.work_order_id != self.id {
                    return Err(requirement("the receipt was sealed for another job"));
                }
                match &receipt.sign_off {
                    SignOff::Signed(_) => next.status = Status::Confirmed,
                    SignOff::Refused { reason, .. } => {
                        next.push_note(ctx, "Customer declined to sign", reason)?;
                    }
                }
                next.receipt = Some(receipt.clone());
            }
            Action::Schedule { slot, pin } => {
                if let Some(slot) = slot {
                    slot.validate()?;
                }
                if pin.keeps_engineer() && self.assignee.is_none() {
                    return Err(requirement(
                        "assign the job before fixing it to its engineer",
                    ));
                }
                if pin.keeps_time() && slot.is_none() {
                    return Err(requirement("a job fixed in time needs a planned time"));
                }
                next.planned = *slot;
                next.pin = *pin;
            }
            Action::ReleaseToPool => {
                if self.pooled {
                    return Err(requirement("the job is already in the pool"));
                }
                next.assignee = None;
                next.drop_engineer_pin();
                next.pooled = true;
                next.status = Status::Triaged;
            }
            Action::Pick => {
                if !self.pooled {
                    return Err(requirement("the job is not in the pool"));
                }
                next.assignee = ctx.actor.engineer;
                next.pooled = false;
                next.sla.mark(Milestone::Respond, at);
                next.status = Status::Accepted;
            }
        }
        next.advance(at);
        Ok(next)
    }

    /// Notes carry the reasons for declines, hand-overs and cancellations, so the reason is
    /// required and kept with the job.
    fn push_note(
        &mut self,
        ctx: &ActionContext<'_>,
        label: &str,
        reason: &str,
    ) -> Result<(), Error> {
        let reason = text::line("reason", reason, LINE_MAX)?;
        self.notes.push(Note {
            at: ctx.at,
            author: ctx.actor.user,
            author_name: ctx.actor.name.clone(),
            text: format!("{label}: {reason}"),
        });
        Ok(())
    }

    /// The job changed hands: the old engineer's estimate (and lateness) says nothing about the
    /// new one, whose day gives a new estimate, and whose lateness the customer is told afresh.
    fn forget_estimate(&mut self) {
        self.eta = None;
        self.late_since = None;
        self.set_off_at = None;
    }

    /// The job left its engineer: a pin to that engineer no longer means anything.
    fn drop_engineer_pin(&mut self) {
        self.pin = match self.pin {
            DispatchPin::DoNotMove => DispatchPin::Time,
            DispatchPin::Engineer => DispatchPin::None,
            other => other,
        };
    }

    /// Closes the open visit, if any.
    fn check_out(
        &mut self,
        at: DateTime<Utc>,
        position: Option<Position>,
        outcome: VisitOutcome,
    ) -> Result<(), &'static str> {
        if let Some(visit) = self.visits.last_mut().filter(|v| v.is_open()) {
            if at < visit.checked_in_at {
                return Err("check-out time is before the check-in time");
            }
            visit.checked_out_at = Some(at);
            visit.check_out_position = position;
            visit.outcome = Some(outcome);
        }
        Ok(())
    }
}
