//! Complaints (投诉): a customer's dissatisfaction as a record of its own, with deadlines by
//! severity in business time, an owner, an escalation level, the root cause and the corrective
//! action that turn it into a product or process fix, and the customer's confirmation.

mod lifecycle;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessCalendar;
use crate::ids::{ComplaintId, CustomerId, UserId, WorkOrderId};
use crate::role::Role;
use crate::text::{self, LINE_MAX};
use crate::zone::ServiceZone;
use crate::{Error, Timestamp};

pub use lifecycle::{
    ComplaintAction, ComplaintActionKind, ComplaintActor, ComplaintContext, ComplaintStatus,
    ComplaintStep,
};

/// Where the complaint was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintChannel {
    Phone,
    Web,
    /// A survey answer below the threshold raised it.
    Survey,
    Email,
    Wechat,
    /// A public post (微博, a review site) the desk picked up.
    Social,
}

impl ComplaintChannel {
    pub const ALL: [ComplaintChannel; 6] = [
        ComplaintChannel::Phone,
        ComplaintChannel::Web,
        ComplaintChannel::Survey,
        ComplaintChannel::Email,
        ComplaintChannel::Wechat,
        ComplaintChannel::Social,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    /// Safety, a media risk, or a key account: handled at once.
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
}

/// Why it happened; what the monthly review and R&D read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RootCause {
    ProductDefect,
    Workmanship,
    Parts,
    Logistics,
    Communication,
    Policy,
}

impl RootCause {
    pub const ALL: [RootCause; 6] = [
        RootCause::ProductDefect,
        RootCause::Workmanship,
        RootCause::Parts,
        RootCause::Logistics,
        RootCause::Communication,
        RootCause::Policy,
    ];
}

/// Who a complaint goes to next when it escalates: handler → service manager → admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EscalationLevel {
    Handler,
    Manager,
    Admin,
}

impl EscalationLevel {
    pub fn next(self) -> Option<EscalationLevel> {
        match self {
            EscalationLevel::Handler => Some(EscalationLevel::Manager),
            EscalationLevel::Manager => Some(EscalationLevel::Admin),
            EscalationLevel::Admin => None,
        }
    }

    /// The role whose screen shows complaints at this level.
    pub fn role(self) -> Role {
        match self {
            EscalationLevel::Handler => Role::ComplaintHandler,
            EscalationLevel::Manager => Role::ServiceManager,
            EscalationLevel::Admin => Role::Admin,
        }
    }
}

/// Working hours to acknowledge and to resolve, per severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintTarget {
    pub severity: Severity,
    pub acknowledge_hours: u32,
    pub resolve_hours: u32,
}

/// Deadlines per severity, counted in the calendar's working hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintPolicy {
    pub targets: Vec<ComplaintTarget>,
}

impl Default for ComplaintPolicy {
    /// Acknowledge within 1–8 working hours, resolve within 1–10 working days (9-hour days).
    fn default() -> Self {
        let t = |severity, acknowledge_hours, resolve_hours| ComplaintTarget {
            severity,
            acknowledge_hours,
            resolve_hours,
        };
        ComplaintPolicy {
            targets: vec![
                t(Severity::Critical, 1, 9),
                t(Severity::High, 2, 3 * 9),
                t(Severity::Medium, 4, 5 * 9),
                t(Severity::Low, 8, 10 * 9),
            ],
        }
    }
}

impl ComplaintPolicy {
    pub fn target(&self, severity: Severity) -> ComplaintTarget {
        let find =
            |targets: &[ComplaintTarget]| targets.iter().find(|t| t.severity == severity).copied();
        find(&self.targets)
            .or_else(|| find(&ComplaintPolicy::default().targets))
            .unwrap_or(ComplaintTarget {
                severity,
                acknowledge_hours: 8,
                resolve_hours: 90,
            })
    }

    /// The deadlines of a complaint of `severity` received at `at` in `zone`.
    pub fn deadlines(
        &self,
        severity: Severity,
        at: Timestamp,
        calendar: &BusinessCalendar,
        zone: ServiceZone,
    ) -> Deadlines {
        let target = self.target(severity);
        let time = calendar.in_zone(zone);
        let hours = |h: u32| i64::from(h) * 3600;
        Deadlines {
            acknowledge_by: time.add(at, hours(target.acknowledge_hours)),
            resolve_by: time.add(at, hours(target.resolve_hours)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deadlines {
    pub acknowledge_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
}

/// What the desk or the survey rule files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintRequest {
    pub customer_id: CustomerId,
    #[serde(default)]
    pub work_orders: Vec<WorkOrderId>,
    pub channel: ComplaintChannel,
    pub category: String,
    pub severity: Severity,
    /// The customer's words.
    pub summary: String,
}

impl ComplaintRequest {
    pub fn validated(self) -> Result<ComplaintRequest, Error> {
        let mut work_orders = self.work_orders;
        work_orders.sort();
        work_orders.dedup();
        if work_orders.len() > 20 {
            return Err(Error::invalid(
                "work_orders",
                "a complaint links at most 20 work orders",
            ));
        }
        Ok(ComplaintRequest {
            category: text::line("category", &self.category, 64)?,
            summary: text::paragraph("summary", &self.summary)?,
            work_orders,
            ..self
        })
    }
}

/// What the customer said when asked whether the resolution is acceptable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerVerdict {
    pub accepted: bool,
    #[serde(default)]
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Complaint {
    pub id: ComplaintId,
    /// `CP-000001`, what the customer quotes on the phone.
    pub number: String,
    pub customer_id: CustomerId,
    pub work_orders: Vec<WorkOrderId>,
    pub channel: ComplaintChannel,
    pub category: String,
    pub severity: Severity,
    pub summary: String,
    pub status: ComplaintStatus,
    /// The handler working it; none until someone takes it.
    pub owner: Option<UserId>,
    pub escalation: EscalationLevel,
    /// Business-time deadlines, set at receipt and when the severity changes.
    pub deadlines: Deadlines,
    /// The zone the deadlines' working hours are read in.
    pub time_zone: ServiceZone,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub root_cause: Option<RootCause>,
    /// What was done for this customer.
    pub resolution: Option<String>,
    /// What changes so it does not happen again (the process or product fix).
    pub corrective_action: Option<String>,
    pub verdict: Option<CustomerVerdict>,
    /// Times the customer turned a resolution down or the complaint was reopened.
    pub reopened: u32,
    /// Every step, oldest first; never rewritten.
    pub history: Vec<ComplaintStep>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// A deadline that has passed with its milestone not reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Overdue {
    Acknowledge,
    Resolve,
}

impl Complaint {
    /// A new complaint, status `received`, deadlines running from `at`.
    pub fn receive(
        id: ComplaintId,
        number: String,
        request: ComplaintRequest,
        at: Timestamp,
        terms: ComplaintTerms<'_>,
    ) -> Result<Complaint, Error> {
        let r = request.validated()?;
        let deadlines = terms
            .policy
            .deadlines(r.severity, at, terms.calendar, terms.time_zone);
        Ok(Complaint {
            id,
            number,
            customer_id: r.customer_id,
            work_orders: r.work_orders,
            channel: r.channel,
            category: r.category,
            severity: r.severity,
            summary: r.summary,
            status: ComplaintStatus::Received,
            owner: None,
            escalation: EscalationLevel::Handler,
            deadlines,
            time_zone: terms.time_zone,
            acknowledged_at: None,
            resolved_at: None,
            closed_at: None,
            root_cause: None,
            resolution: None,
            corrective_action: None,
            verdict: None,
            reopened: 0,
            history: Vec::new(),
            created_at: at,
            updated_at: at,
            version: 1,
        })
    }

    /// The deadlines passed at `now` with their milestone not reached, acknowledge first.
    pub fn missed(&self, now: Timestamp) -> Vec<Overdue> {
        if !self.status.is_open() {
            return Vec::new();
        }
        let resolved = matches!(
            self.status,
            ComplaintStatus::Resolved | ComplaintStatus::Confirmed
        );
        let mut missed = Vec::new();
        if self.acknowledged_at.is_none() && now > self.deadlines.acknowledge_by {
            missed.push(Overdue::Acknowledge);
        }
        if !resolved && now > self.deadlines.resolve_by {
            missed.push(Overdue::Resolve);
        }
        missed
    }

    /// The most urgent deadline passed at `now`, if any.
    pub fn overdue(&self, now: Timestamp) -> Option<Overdue> {
        self.missed(now).first().copied()
    }

    /// Seconds to the next deadline (negative once passed): the inbox's countdown and order.
    pub fn seconds_to_deadline(&self, now: Timestamp) -> Option<i64> {
        if !self.status.is_open() {
            return None;
        }
        let due = match self.acknowledged_at {
            None => self.deadlines.acknowledge_by,
            Some(_) => self.deadlines.resolve_by,
        };
        Some((due - now).num_seconds())
    }

    /// Whether an escalation is due at `now`: a deadline has passed and the complaint has not
    /// yet been escalated for it (once per missed deadline, never past the admin).
    pub fn escalation_due(&self, now: Timestamp) -> Option<Overdue> {
        self.escalation.next()?;
        self.missed(now)
            .into_iter()
            .find(|m| !self.history.iter().any(|s| s.breach == Some(*m)))
    }
}

/// What a new complaint's deadlines are set from.
#[derive(Debug, Clone, Copy)]
pub struct ComplaintTerms<'a> {
    pub policy: &'a ComplaintPolicy,
    pub calendar: &'a BusinessCalendar,
    pub time_zone: ServiceZone,
}

fn reason(field: &'static str, value: &str) -> Result<String, Error> {
    text::line(field, value, LINE_MAX)
}

#[cfg(test)]
mod tests;
