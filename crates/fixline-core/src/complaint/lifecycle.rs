//! The complaint lifecycle as one pure function, [`Complaint::apply`], like the work order's.
//!
//! ```text
//! received → acknowledged → investigating → resolved → confirmed (customer accepts) → closed
//!    └──────────────┴─── resolve ────────────────↗  │                                   │
//!                         investigating ←───────────┘ customer disagrees                │
//!                         investigating ←──────────────────────────────── reopen ───────┘
//! From any open state: escalate (handler → manager → admin), assign an owner, change the
//! severity, link a job, add a note. A resolved complaint the customer cannot be reached about
//! closes with a note saying so.
//! ```

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Complaint, ComplaintPolicy, CustomerVerdict, EscalationLevel, Overdue, RootCause, Severity,
    reason,
};
use crate::Error;
use crate::calendar::BusinessCalendar;
use crate::ids::{UserId, WorkOrderId};
use crate::role::{Actor, Role};
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Received,
    Acknowledged,
    Investigating,
    Resolved,
    /// The customer accepted the resolution.
    Confirmed,
    Closed,
}

impl ComplaintStatus {
    pub const ALL: [ComplaintStatus; 6] = [
        ComplaintStatus::Received,
        ComplaintStatus::Acknowledged,
        ComplaintStatus::Investigating,
        ComplaintStatus::Resolved,
        ComplaintStatus::Confirmed,
        ComplaintStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStatus::Received => "received",
            ComplaintStatus::Acknowledged => "acknowledged",
            ComplaintStatus::Investigating => "investigating",
            ComplaintStatus::Resolved => "resolved",
            ComplaintStatus::Confirmed => "confirmed",
            ComplaintStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<ComplaintStatus> {
        ComplaintStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn is_open(self) -> bool {
        self != ComplaintStatus::Closed
    }
}

impl fmt::Display for ComplaintStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can be done to a complaint after it is received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ComplaintAction {
    /// "We have your complaint and are on it": the first deadline.
    Acknowledge {
        #[serde(default)]
        note: Option<String>,
    },
    Investigate,
    Assign {
        owner: UserId,
    },
    Resolve {
        root_cause: RootCause,
        /// What was done for the customer.
        resolution: String,
        #[serde(default)]
        corrective_action: Option<String>,
    },
    /// The customer's answer to the resolution, by phone or on their page.
    RecordVerdict {
        accepted: bool,
        #[serde(default)]
        comment: Option<String>,
    },
    /// From confirmed; from resolved only with a note (the customer could not be reached).
    Close {
        #[serde(default)]
        note: Option<String>,
    },
    Reopen {
        reason: String,
    },
    /// To the next level: on request, or by the deadline watcher (`breach` set).
    Escalate {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        breach: Option<Overdue>,
    },
    ChangeSeverity {
        severity: Severity,
    },
    LinkWorkOrder {
        work_order: WorkOrderId,
    },
    AddNote {
        text: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintActionKind {
    Acknowledge,
    Investigate,
    Assign,
    Resolve,
    RecordVerdict,
    Close,
    Reopen,
    Escalate,
    ChangeSeverity,
    LinkWorkOrder,
    AddNote,
}

/// Who may take a complaint action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintPerformers {
    /// Complaint handlers, service managers and admins.
    Staff,
    /// Staff, or the deadline watcher.
    StaffOrSystem,
    /// Staff recording a call, or the customer on their page.
    StaffOrCustomer,
}

impl ComplaintActionKind {
    pub const ALL: [ComplaintActionKind; 11] = [
        ComplaintActionKind::Acknowledge,
        ComplaintActionKind::Investigate,
        ComplaintActionKind::Assign,
        ComplaintActionKind::Resolve,
        ComplaintActionKind::RecordVerdict,
        ComplaintActionKind::Close,
        ComplaintActionKind::Reopen,
        ComplaintActionKind::Escalate,
        ComplaintActionKind::ChangeSeverity,
        ComplaintActionKind::LinkWorkOrder,
        ComplaintActionKind::AddNote,
    ];

    fn verb(self) -> &'static str {
        match self {
            ComplaintActionKind::Acknowledge => "acknowledge",
            ComplaintActionKind::Investigate => "start investigating",
            ComplaintActionKind::Assign => "assign",
            ComplaintActionKind::Resolve => "resolve",
            ComplaintActionKind::RecordVerdict => "record the customer's answer on",
            ComplaintActionKind::Close => "close",
            ComplaintActionKind::Reopen => "reopen",
            ComplaintActionKind::Escalate => "escalate",
            ComplaintActionKind::ChangeSeverity => "change the severity of",
            ComplaintActionKind::LinkWorkOrder => "link a work order to",
            ComplaintActionKind::AddNote => "add a note to",
        }
    }

    /// The states this action may start from.
    pub fn allowed_from(self) -> &'static [ComplaintStatus] {
        use ComplaintStatus::*;
        const OPEN: &[ComplaintStatus] =
            &[Received, Acknowledged, Investigating, Resolved, Confirmed];
        match self {
            ComplaintActionKind::Acknowledge => &[Received],
            ComplaintActionKind::Investigate => &[Acknowledged],
            // Settled on the first call (an apology, an explanation) counts as acknowledged.
            ComplaintActionKind::Resolve => &[Received, Acknowledged, Investigating],
            ComplaintActionKind::RecordVerdict => &[Resolved],
            ComplaintActionKind::Close => &[Resolved, Confirmed],
            ComplaintActionKind::Reopen => &[Closed],
            ComplaintActionKind::Escalate | ComplaintActionKind::ChangeSeverity => {
                &[Received, Acknowledged, Investigating, Resolved]
            }
            ComplaintActionKind::Assign | ComplaintActionKind::LinkWorkOrder => OPEN,
            ComplaintActionKind::AddNote => &ComplaintStatus::ALL,
        }
    }

    pub fn performers(self) -> ComplaintPerformers {
        match self {
            ComplaintActionKind::Escalate => ComplaintPerformers::StaffOrSystem,
            ComplaintActionKind::RecordVerdict => ComplaintPerformers::StaffOrCustomer,
            _ => ComplaintPerformers::Staff,
        }
    }
}

impl fmt::Display for ComplaintActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.verb())
    }
}

impl ComplaintAction {
    pub fn kind(&self) -> ComplaintActionKind {
        match self {
            ComplaintAction::Acknowledge { .. } => ComplaintActionKind::Acknowledge,
            ComplaintAction::Investigate => ComplaintActionKind::Investigate,
            ComplaintAction::Assign { .. } => ComplaintActionKind::Assign,
            ComplaintAction::Resolve { .. } => ComplaintActionKind::Resolve,
            ComplaintAction::RecordVerdict { .. } => ComplaintActionKind::RecordVerdict,
            ComplaintAction::Close { .. } => ComplaintActionKind::Close,
            ComplaintAction::Reopen { .. } => ComplaintActionKind::Reopen,
            ComplaintAction::Escalate { .. } => ComplaintActionKind::Escalate,
            ComplaintAction::ChangeSeverity { .. } => ComplaintActionKind::ChangeSeverity,
            ComplaintAction::LinkWorkOrder { .. } => ComplaintActionKind::LinkWorkOrder,
            ComplaintAction::AddNote { .. } => ComplaintActionKind::AddNote,
        }
    }
}

/// Who acts on a complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComplaintActor {
    Staff(Actor),
    /// The customer on their own page (signed by the link's token, no login).
    Customer,
    /// The deadline watcher.
    System,
}

impl ComplaintActor {
    fn is_staff(&self) -> bool {
        matches!(self, ComplaintActor::Staff(a) if matches!(
            a.role,
            Role::ComplaintHandler | Role::ServiceManager | Role::Admin
        ))
    }

    fn describe(&self) -> String {
        match self {
            ComplaintActor::Staff(a) => format!("the {} role", a.role),
            ComplaintActor::Customer => "the customer".to_owned(),
            ComplaintActor::System => "the deadline watcher".to_owned(),
        }
    }
}

/// Who acts, when, and under which deadlines.
#[derive(Debug, Clone, Copy)]
pub struct ComplaintContext<'a> {
    pub actor: &'a ComplaintActor,
    pub at: DateTime<Utc>,
    pub policy: &'a ComplaintPolicy,
    pub calendar: &'a BusinessCalendar,
}

/// One line of a complaint's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintStep {
    pub at: DateTime<Utc>,
    pub action: ComplaintActionKind,
    /// The staff member; none for the customer or the deadline watcher (see `by_name`).
    pub by: Option<UserId>,
    pub by_name: String,
    pub from: ComplaintStatus,
    pub to: ComplaintStatus,
    /// The level after the step.
    pub level: EscalationLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Set when the deadline watcher escalated for this missed deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breach: Option<Overdue>,
}

impl Complaint {
    /// Checks the actor may take `kind` now, without doing it: the screens show only these.
    pub fn check(&self, kind: ComplaintActionKind, actor: &ComplaintActor) -> Result<(), Error> {
        if !kind.allowed_from().contains(&self.status) {
            return Err(Error::ComplaintTransition {
                action: kind,
                from: self.status,
            });
        }
        let allowed = match kind.performers() {
            ComplaintPerformers::Staff => actor.is_staff(),
            ComplaintPerformers::StaffOrSystem => {
                actor.is_staff() || *actor == ComplaintActor::System
            }
            ComplaintPerformers::StaffOrCustomer => {
                actor.is_staff() || *actor == ComplaintActor::Customer
            }
        };
        match allowed {
            true => Ok(()),
            false => Err(Error::ComplaintNotAllowed {
                action: kind,
                who: actor.describe(),
            }),
        }
    }

    pub fn available_actions(&self, actor: &ComplaintActor) -> Vec<ComplaintActionKind> {
        ComplaintActionKind::ALL
            .into_iter()
            .filter(|k| self.check(*k, actor).is_ok())
            .collect()
    }

    /// Applies one action and returns the new complaint; `self` is untouched on error.
    pub fn apply(
        &self,
        action: &ComplaintAction,
        ctx: &ComplaintContext<'_>,
    ) -> Result<Complaint, Error> {
        let kind = action.kind();
        self.check(kind, ctx.actor)?;
        let at = ctx.at;
        let requirement = |what: &str| Error::ComplaintRequirement {
            action: kind,
            requirement: what.to_owned(),
        };
        let optional = |field: &'static str, value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| text::paragraph(field, v))
                .transpose()
        };
        let mut next = self.clone();
        let mut note = None;
        let mut breach = None;
        match action {
            ComplaintAction::Acknowledge { note: n } => {
                note = optional("note", n)?;
                next.status = ComplaintStatus::Acknowledged;
                next.acknowledged_at = Some(at);
                if let (None, ComplaintActor::Staff(a)) = (next.owner, ctx.actor) {
                    next.owner = Some(a.user);
                }
            }
            ComplaintAction::Investigate => next.status = ComplaintStatus::Investigating,
            ComplaintAction::Assign { owner } => {
                if self.owner == Some(*owner) {
                    return Err(requirement("it is already theirs"));
                }
                next.owner = Some(*owner);
            }
            ComplaintAction::Resolve {
                root_cause,
                resolution,
                corrective_action,
            } => {
                next.root_cause = Some(*root_cause);
                next.resolution = Some(text::paragraph("resolution", resolution)?);
                next.corrective_action = optional("corrective_action", corrective_action)?;
                next.status = ComplaintStatus::Resolved;
                next.resolved_at = Some(at);
                // Resolving answers the customer, so it acknowledges too.
                next.acknowledged_at.get_or_insert(at);
            }
            ComplaintAction::RecordVerdict { accepted, comment } => {
                let comment = optional("comment", comment)?;
                note = comment.clone();
                next.verdict = Some(CustomerVerdict {
                    accepted: *accepted,
                    comment,
                    at,
                });
                if *accepted {
                    next.status = ComplaintStatus::Confirmed;
                } else {
                    next.status = ComplaintStatus::Investigating;
                    next.resolved_at = None;
                    next.reopened += 1;
                }
            }
            ComplaintAction::Close { note: n } => {
                note = optional("note", n)?;
                if self.status == ComplaintStatus::Resolved && note.is_none() {
                    return Err(requirement(
                        "the customer has not accepted the resolution: say why it closes anyway",
                    ));
                }
                next.status = ComplaintStatus::Closed;
                next.closed_at = Some(at);
            }
            ComplaintAction::Reopen { reason: r } => {
                note = Some(reason("reason", r)?);
                next.status = ComplaintStatus::Investigating;
                next.closed_at = None;
                next.resolved_at = None;
                next.verdict = None;
                next.reopened += 1;
            }
            ComplaintAction::Escalate {
                reason: r,
                breach: b,
            } => {
                note = Some(reason("reason", r)?);
                next.escalation = self
                    .escalation
                    .next()
                    .ok_or_else(|| requirement("it is already with the admin, the last level"))?;
                if b.is_some() && self.history.iter().any(|s| s.breach == *b) {
                    return Err(requirement("it was already escalated for this deadline"));
                }
                breach = *b;
            }
            ComplaintAction::ChangeSeverity { severity } => {
                if *severity == self.severity {
                    return Err(requirement("it already has this severity"));
                }
                next.severity = *severity;
                // Deadlines run from receipt, as if it had been this severe from the start.
                next.deadlines =
                    ctx.policy
                        .deadlines(*severity, self.created_at, ctx.calendar, self.time_zone);
            }
            ComplaintAction::LinkWorkOrder { work_order } => {
                if self.work_orders.contains(work_order) {
                    return Err(requirement("that work order is already linked"));
                }
                if self.work_orders.len() >= 20 {
                    return Err(requirement("a complaint links at most 20 work orders"));
                }
                next.work_orders.push(*work_order);
            }
            ComplaintAction::AddNote { text: t } => {
                note = Some(text::paragraph("text", t)?);
            }
        }
        let (by, by_name) = match ctx.actor {
            ComplaintActor::Staff(a) => (Some(a.user), a.name.clone()),
            ComplaintActor::Customer => (None, "customer".to_owned()),
            ComplaintActor::System => (None, "system".to_owned()),
        };
        next.history.push(ComplaintStep {
            at,
            action: kind,
            by,
            by_name,
            from: self.status,
            to: next.status,
            level: next.escalation,
            note,
            breach,
        });
        next.updated_at = at;
        next.version += 1;
        Ok(next)
    }
}
