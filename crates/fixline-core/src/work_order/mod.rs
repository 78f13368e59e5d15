//! Work orders: one service request from intake to close, with its SLA clock, visits, resolution,
//! notes and the append-only history of what happened to it.

mod lifecycle;
mod requirements;
mod revision;

use chrono::{DateTime, Utc};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::customer::ContractTier;
use crate::ids::{AssetId, CustomerId, EngineerId, SiteId, UserId, WorkOrderId};
use crate::position::Position;
use crate::role::Actor;
use crate::sla::{SlaClock, SlaTerms};
use crate::text;

pub use lifecycle::{Action, ActionContext, ActionKind, Status};
pub use requirements::Requirements;
pub use revision::{Revision, WorkOrderEdit};

/// How the request reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IntakeChannel {
    Phone,
    WebForm,
    App,
    Email,
    Wechat,
    Api,
}

impl IntakeChannel {
    pub const ALL: [IntakeChannel; 6] = [
        IntakeChannel::Phone,
        IntakeChannel::WebForm,
        IntakeChannel::App,
        IntakeChannel::Email,
        IntakeChannel::Wechat,
        IntakeChannel::Api,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IntakeChannel::Phone => "phone",
            IntakeChannel::WebForm => "web_form",
            IntakeChannel::App => "app",
            IntakeChannel::Email => "email",
            IntakeChannel::Wechat => "wechat",
            IntakeChannel::Api => "api",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The category any engineer may take.
pub const GENERAL_CATEGORY: &str = "general";

/// When a visit is planned: arrival on site to leaving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedSlot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl PlannedSlot {
    /// A visit lasts at least a minute and at most a day.
    pub fn validate(&self) -> Result<(), Error> {
        let minutes = (self.end - self.start).num_minutes();
        if !(1..=24 * 60).contains(&minutes) {
            return Err(Error::invalid(
                "slot",
                "must end after it starts, within a day",
            ));
        }
        Ok(())
    }

    pub fn minutes(&self) -> f64 {
        (self.end - self.start).num_seconds() as f64 / 60.0
    }
}

/// What the dispatcher fixed about a job, so the optimiser plans around it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DispatchPin {
    /// The optimiser may move it.
    #[default]
    None,
    /// Stays with its engineer; the time may move.
    Engineer,
    /// Keeps its planned time; the engineer may change.
    Time,
    /// Stays with its engineer at its planned time.
    DoNotMove,
}

impl DispatchPin {
    pub const ALL: [DispatchPin; 4] = [
        DispatchPin::None,
        DispatchPin::Engineer,
        DispatchPin::Time,
        DispatchPin::DoNotMove,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DispatchPin::None => "none",
            DispatchPin::Engineer => "engineer",
            DispatchPin::Time => "time",
            DispatchPin::DoNotMove => "do_not_move",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn keeps_engineer(self) -> bool {
        matches!(self, DispatchPin::Engineer | DispatchPin::DoNotMove)
    }

    pub fn keeps_time(self) -> bool {
        matches!(self, DispatchPin::Time | DispatchPin::DoNotMove)
    }
}

/// P1 (production down, safety) to P4 (routine, planned).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Priority {
    P1,
    P2,
    #[default]
    P3,
    P4,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
            Priority::P4 => "P4",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Priority::P1, Priority::P2, Priority::P3, Priority::P4]
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When the customer wants the visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl TimeWindow {
    pub fn validated(self) -> Result<Self, Error> {
        if self.end <= self.start {
            return Err(Error::invalid(
                "requested_window",
                "must end after it starts",
            ));
        }
        if self.end - self.start > chrono::TimeDelta::days(31) {
            return Err(Error::invalid(
                "requested_window",
                "may span at most 31 days",
            ));
        }
        Ok(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResolutionType {
    /// Solved on the phone or by video, without a visit.
    RemoteGuidance,
    OnSiteRepair,
    /// The unit was swapped for another.
    Exchange,
    /// The unit was taken back (refund or depot repair).
    Return,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resolution {
    pub kind: ResolutionType,
    pub summary: String,
    pub at: DateTime<Utc>,
    /// What was wrong, by code (`fault_code`); older jobs and remote fixes have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_code: Option<String>,
    /// Why it happened, by code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_code: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    AwaitingParts,
    AwaitingCustomer,
}

/// How a visit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VisitOutcome {
    Completed,
    AwaitingParts,
    AwaitingCustomer,
}

/// One time an engineer was on site: checked in, worked, checked out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visit {
    /// 1 for the first visit of this work order, 2 for the return visit, …
    pub number: u32,
    pub engineer: EngineerId,
    pub checked_in_at: DateTime<Utc>,
    pub check_in_position: Option<Position>,
    pub checked_out_at: Option<DateTime<Utc>>,
    pub check_out_position: Option<Position>,
    pub outcome: Option<VisitOutcome>,
    /// When the engineer set off for this visit (none when they were already there, or for
    /// older jobs): the travel time the KPIs count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_off_at: Option<DateTime<Utc>>,
}

impl Visit {
    pub fn is_open(&self) -> bool {
        self.checked_out_at.is_none()
    }

    /// Minutes on site, for labour lines; `None` while still on site.
    pub fn minutes_on_site(&self) -> Option<i64> {
        self.checked_out_at
            .map(|out| (out - self.checked_in_at).num_minutes())
    }

    /// Minutes on the road to this visit, when the engineer said they set off.
    pub fn minutes_travelled(&self) -> Option<i64> {
        self.set_off_at
            .map(|off| (self.checked_in_at - off).num_minutes().max(0))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    pub at: DateTime<Utc>,
    pub author: UserId,
    pub author_name: String,
    pub text: String,
}

/// What a new service request says, from whichever channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkOrderRequest {
    pub customer_id: CustomerId,
    pub site_id: SiteId,
    #[serde(default)]
    pub asset_id: Option<AssetId>,
    /// Product category (matches engineer skills); `general` when the caller does not know.
    #[serde(default = "general_category")]
    pub category: String,
    #[serde(default)]
    pub priority: Priority,
    pub symptom: String,
    #[serde(default)]
    pub requested_window: Option<TimeWindow>,
}

fn general_category() -> String {
    "general".to_owned()
}

impl WorkOrderRequest {
    pub fn validated(self) -> Result<Self, Error> {
        Ok(WorkOrderRequest {
            category: text::line("category", &self.category, 64)?,
            symptom: text::paragraph("symptom", &self.symptom)?,
            requested_window: self
                .requested_window
                .map(TimeWindow::validated)
                .transpose()?,
            ..self
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkOrder {
    pub id: WorkOrderId,
    /// Human-facing number, e.g. `WO-000123`; given by the server.
    pub number: String,
    pub customer_id: CustomerId,
    pub site_id: SiteId,
    pub asset_id: Option<AssetId>,
    pub channel: IntakeChannel,
    pub category: String,
    pub priority: Priority,
    /// Contract tier at intake; with the priority it sets the SLA targets.
    pub tier: ContractTier,
    pub symptom: String,
    pub requested_window: Option<TimeWindow>,
    pub status: Status,
    pub pause_reason: Option<PauseReason>,
    pub assignee: Option<EngineerId>,
    pub sla: SlaClock,
    pub visits: Vec<Visit>,
    pub resolution: Option<Resolution>,
    pub notes: Vec<Note>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the engineer is expected on site: set by the server when they start travelling,
    /// for the customer's notification; cleared on arrival.
    #[serde(default)]
    pub eta: Option<DateTime<Utc>>,
    /// Set when the engineer is well past the ETA and not there yet: the customer should hear.
    #[serde(default)]
    pub late_since: Option<DateTime<Utc>>,
    /// Photos taken on site, in the order taken.
    #[serde(default)]
    pub photos: Vec<crate::receipt::PhotoRef>,
    /// Parts and labour as the engineer recorded them.
    #[serde(default)]
    pub bill: Option<crate::billing::Bill>,
    /// The receipt the customer signed (or refused), with its seal.
    #[serde(default)]
    pub receipt: Option<Box<crate::receipt::ReceiptRecord>>,
    /// When the visit is planned (by the dispatcher's board or an applied plan).
    #[serde(default)]
    pub planned: Option<PlannedSlot>,
    /// What the dispatcher fixed against re-planning.
    #[serde(default)]
    pub pin: DispatchPin,
    /// Released to the work-order pool: qualified engineers may pick it in the app.
    #[serde(default)]
    pub pooled: bool,
    /// What triage found the job needs (skill and level, certification, time on site).
    #[serde(default)]
    pub requirements: Requirements,
    /// The WeChat follower (the official account's openid) who sent the request, told of it
    /// there; none for other channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_openid: Option<String>,
    /// When the engineer set off (start travel); moves to the visit on arrival.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_off_at: Option<DateTime<Utc>>,
    /// Knowledge-base articles the engineer opened from this job and said helped or not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub articles_used: Vec<crate::knowledge::ArticleUse>,
    /// 1 at intake, +1 per change; a write naming an older version is refused.
    pub version: u64,
}

impl WorkOrder {
    /// Refuses a step dated before the job existed, less the clock skew allowed (a device whose
    /// clock was reset to year 1, or a date typed wrong at the desk, must not write history
    /// before the job).
    pub fn check_event_time(
        &self,
        at: DateTime<Utc>,
        skew: chrono::TimeDelta,
    ) -> Result<(), crate::Error> {
        if at + skew < self.created_at {
            return Err(crate::Error::invalid(
                "at",
                format!(
                    "{} is before the job was logged ({}); check the date and time",
                    at.format("%Y-%m-%d %H:%M UTC"),
                    self.created_at.format("%Y-%m-%d %H:%M UTC"),
                ),
            ));
        }
        Ok(())
    }

    /// A new work order as intake creates it: status `new`, SLA clock running from `at`.
    pub fn open(
        id: WorkOrderId,
        number: String,
        request: WorkOrderRequest,
        channel: IntakeChannel,
        at: DateTime<Utc>,
        terms: SlaTerms<'_>,
    ) -> Result<WorkOrder, Error> {
        let r = request.validated()?;
        let tier = terms.tier;
        Ok(WorkOrder {
            id,
            number,
            customer_id: r.customer_id,
            site_id: r.site_id,
            asset_id: r.asset_id,
            channel,
            category: r.category,
            priority: r.priority,
            tier,
            symptom: r.symptom,
            requested_window: r.requested_window,
            status: Status::New,
            pause_reason: None,
            assignee: None,
            sla: terms
                .policy
                .start_clock(at, r.priority, tier, terms.time_zone),
            visits: Vec::new(),
            resolution: None,
            notes: Vec::new(),
            created_at: at,
            updated_at: at,
            eta: None,
            late_since: None,
            photos: Vec::new(),
            bill: None,
            receipt: None,
            planned: None,
            pin: DispatchPin::None,
            pooled: false,
            requirements: Requirements::default(),
            wechat_openid: None,
            set_off_at: None,
            articles_used: Vec::new(),
            version: 1,
        })
    }

    /// The engineer has the skill at the level and the certification (valid on `day`) that
    /// triage asked for; `general` needs no skill.
    pub fn qualifies(&self, engineer: &crate::engineer::Engineer, day: chrono::NaiveDate) -> bool {
        self.requirements.met_by(&self.category, engineer, day)
    }

    /// What the job needs, in words, for a refusal.
    pub fn requirements_text(&self) -> String {
        self.requirements.describe(&self.category)
    }

    /// The skill and least level the job needs, if any.
    pub fn required_skill(&self) -> Option<(String, u8)> {
        self.requirements.skill_for(&self.category)
    }

    pub fn open_visit(&self) -> Option<&Visit> {
        self.visits.last().filter(|v| v.is_open())
    }

    pub fn summary(&self) -> WorkOrderSummary {
        WorkOrderSummary {
            id: self.id,
            number: self.number.clone(),
            status: self.status,
            priority: self.priority,
            category: self.category.clone(),
            symptom: self.symptom.chars().take(120).collect(),
            assignee: self.assignee,
            site_id: self.site_id,
            asset_id: self.asset_id,
            resolution: self.resolution.as_ref().map(|r| r.kind),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// A line in a customer's history or a list of jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkOrderSummary {
    pub id: WorkOrderId,
    pub number: String,
    pub status: Status,
    pub priority: Priority,
    pub category: String,
    pub symptom: String,
    pub assignee: Option<EngineerId>,
    pub site_id: SiteId,
    pub asset_id: Option<AssetId>,
    pub resolution: Option<ResolutionType>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What happened to a work order, as kept in its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HistoryEvent {
    /// Taken in from a channel.
    Created { channel: IntakeChannel },
    /// Request fields edited by the desk (symptom, category, window, site, asset).
    Edited { fields: Vec<String> },
    /// A lifecycle action.
    Action { action: Action },
    /// Automatic assignment gave the job to an engineer (`Assign`) or to the pool
    /// (`ReleaseToPool`), for the reasons given.
    AutoAssigned {
        action: Action,
        why: crate::auto_assign::AutoAssignment,
    },
    /// An action done offline that no longer fitted when it reached the server; the engineer's
    /// work is kept as a note and the clash is reported to both sides.
    OfflineConflict {
        action: Action,
        kind: crate::sync::ConflictKind,
    },
}

/// One entry of the append-only history: who did what, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub work_order_id: WorkOrderId,
    /// The work order's version after this entry.
    pub version: u64,
    /// When it happened (device time for actions taken offline).
    pub at: DateTime<Utc>,
    /// `None` for intake by an outside channel.
    pub actor: Option<Actor>,
    pub event: HistoryEvent,
    pub status_after: Status,
}

impl HistoryEntry {
    /// The first line of a job's history: opened, through its channel, by `actor`.
    pub fn opened(wo: &WorkOrder, actor: Option<Actor>) -> HistoryEntry {
        HistoryEntry {
            work_order_id: wo.id,
            version: wo.version,
            at: wo.created_at,
            actor,
            event: HistoryEvent::Created {
                channel: wo.channel,
            },
            status_after: wo.status,
        }
    }
}

/// A refrigeration job for tests, logged at the epoch, number `n`, held by engineer 1.
#[cfg(test)]
pub(crate) fn sample(n: u128) -> WorkOrder {
    let request = WorkOrderRequest {
        customer_id: CustomerId::from_uuid(uuid::Uuid::from_u128(7)),
        site_id: SiteId::from_uuid(uuid::Uuid::from_u128(8)),
        asset_id: None,
        category: "refrigeration".into(),
        priority: Priority::P3,
        symptom: "冷柜不制冷".into(),
        requested_window: None,
    };
    let mut wo = WorkOrder::open(
        WorkOrderId::from_uuid(uuid::Uuid::from_u128(n)),
        format!("WO-{n:06}"),
        request,
        IntakeChannel::Phone,
        chrono::DateTime::UNIX_EPOCH,
        crate::sla::SlaTerms {
            tier: crate::customer::ContractTier::Standard,
            policy: &crate::sla::SlaPolicy::default(),
            time_zone: crate::zone::ServiceZone::SHANGHAI,
        },
    )
    .unwrap();
    wo.assignee = Some(EngineerId::from_uuid(uuid::Uuid::from_u128(1)));
    wo
}
