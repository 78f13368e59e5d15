//! Planning a day and applying the plan.

use chrono::{DateTime, NaiveDate, Utc};
use fixline_core::board::Scenario;
use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::work_order::PlannedSlot;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanRequest {
    /// The local day to plan.
    pub day: NaiveDate,
    /// Search time in milliseconds (default from settings, capped).
    #[serde(default)]
    pub time_limit_ms: Option<u64>,
    /// What just happened; absent: plan what is waiting around what is given out.
    #[serde(default)]
    pub scenario: Option<Scenario>,
}

/// One job's place in the proposed plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposedVisit {
    pub work_order: WorkOrderId,
    pub engineer: EngineerId,
    /// Expected arrival.
    pub eta: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Minutes past the SLA arrive-by time (0: on time).
    pub late_minutes: f64,
    /// Travel minutes this job adds to the engineer's day.
    pub added_travel_minutes: f64,
    /// The best other qualified engineer and the travel minutes the job would add there.
    pub next_best: Option<(EngineerId, f64)>,
}

impl ProposedVisit {
    /// The visit as it would be planned on the job.
    pub fn slot(&self) -> PlannedSlot {
        PlannedSlot {
            start: self.start,
            end: self.end,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeftOut {
    pub work_order: String,
    /// A code: `no_qualified_engineer`, `window_impossible`, `shifts_full` (the optimiser's), or
    /// `not_home`, `no_position`, `engineer_off`, `window_not_on_day`, `fixed_on_another_day`
    /// (not planned at all).
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposedPlan {
    pub day: NaiveDate,
    /// In visiting order per engineer.
    pub visits: Vec<ProposedVisit>,
    pub left_out: Vec<LeftOut>,
    pub travel_minutes: f64,
    pub travel_km: f64,
    pub sla_breaches: u32,
    pub engineers_working: usize,
    /// Jobs this plan gives to a different engineer than they have now (the disruption).
    pub reassigned: Vec<WorkOrderId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    pub work_order: WorkOrderId,
    pub engineer: EngineerId,
    /// The planned visit (a plan's start and end, or where the dispatcher dropped the job);
    /// absent: the time is left as it is.
    #[serde(default)]
    pub slot: Option<PlannedSlot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplyRequest {
    /// The part of a proposed plan the dispatcher accepts.
    pub assignments: Vec<Assignment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applied {
    pub work_order: WorkOrderId,
    /// `assigned`, `rescheduled` (theirs already, new time), `unchanged` or `refused`.
    pub outcome: String,
    pub message: Option<String>,
    /// Why it was refused, as an error code a client words in its user's language.
    #[serde(default)]
    pub code: Option<String>,
}
