//! The dispatcher's board as it crosses from the server to the console: every open job with
//! where it is, every engineer with their shift, and each engineer's day laid out in time with
//! the travel between jobs and what breaks a rule. Also the pool as an engineer sees it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::engineer::Engineer;
use crate::ids::{EngineerId, WorkOrderId};
use crate::position::Position;
use crate::work_order::{Priority, WorkOrder};

/// Map tiles the console draws under the positions; empty `tiles`: a plain background.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapTiles {
    /// A `{z}/{x}/{y}` URL template.
    pub tiles: String,
    pub attribution: String,
}

/// One engineer on the board's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardEngineer {
    pub engineer: Engineer,
    /// On shift that day and not marked unavailable.
    pub working: bool,
    pub shift_start: DateTime<Utc>,
    pub shift_end: DateTime<Utc>,
}

/// An open job with what the queue, the map and the filters need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardJob {
    pub work_order: WorkOrder,
    pub customer: String,
    pub site: String,
    pub city: String,
    /// The site's dispatch region.
    pub region: String,
    pub position: Option<Position>,
}

/// A rule a placement breaks, in words a client can translate by `code`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LaneConflict {
    /// `skill_missing`, `certification_missing`, `before_shift`, `shift_over`, `overlap`,
    /// `sla_breach`, `outside_window`, `no_break`, `off_duty`.
    pub code: String,
    /// How far off, where that has a size.
    #[serde(default)]
    pub minutes: Option<f64>,
    /// The skill or certification missing, or the job run into.
    #[serde(default)]
    pub detail: Option<String>,
}

/// One job on an engineer's lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LaneBlock {
    pub work_order: WorkOrderId,
    /// The gap before the block: travel from the previous place.
    pub travel_minutes: f64,
    pub travel_km: f64,
    pub arrival: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub conflicts: Vec<LaneConflict>,
}

/// An engineer's day in time order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardLane {
    pub engineer: EngineerId,
    pub blocks: Vec<LaneBlock>,
    /// Back at base after the last job.
    pub back_at: DateTime<Utc>,
    pub travel_minutes: f64,
}

/// Everything the console shows for a day, in one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Board {
    /// The local day shown.
    pub day: NaiveDate,
    /// The service area's zone; the board's day and times are drawn in it.
    #[serde(default)]
    pub time_zone: crate::zone::ServiceZone,
    /// The zone's offset at the day's start, for clients that predate `time_zone`.
    pub utc_offset_minutes: i32,
    pub map: MapTiles,
    pub engineers: Vec<BoardEngineer>,
    /// Every open job: waiting ones (no engineer) and held ones.
    pub jobs: Vec<BoardJob>,
    pub lanes: Vec<BoardLane>,
}

impl Board {
    pub fn job(&self, id: WorkOrderId) -> Option<&BoardJob> {
        self.jobs.iter().find(|j| j.work_order.id == id)
    }

    pub fn lane(&self, engineer: EngineerId) -> Option<&BoardLane> {
        self.lanes.iter().find(|l| l.engineer == engineer)
    }
}

/// The part of a day's board a live change touched: asked for by the console instead of the
/// whole board, so one engineer's step does not redraw (or re-send) everyone's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardUpdateRequest {
    pub day: NaiveDate,
    #[serde(default)]
    pub work_orders: Vec<WorkOrderId>,
    /// Engineers whose lanes to lay out again (a job's assignee, before and after).
    #[serde(default)]
    pub engineers: Vec<EngineerId>,
}

/// The answer: the jobs asked for that are still open, those that are not (closed, cancelled,
/// gone), and the engineers asked for with their lanes (none when they are not working).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardUpdate {
    pub day: NaiveDate,
    pub jobs: Vec<BoardJob>,
    pub gone: Vec<WorkOrderId>,
    pub engineers: Vec<BoardEngineer>,
    pub lanes: Vec<BoardLane>,
}

impl Board {
    /// Applies an update in place; `false` (and nothing changed) when it is for another day.
    pub fn apply(&mut self, update: BoardUpdate) -> bool {
        if update.day != self.day {
            return false;
        }
        self.jobs
            .retain(|j| !update.gone.contains(&j.work_order.id));
        for job in update.jobs {
            match self
                .jobs
                .iter_mut()
                .find(|j| j.work_order.id == job.work_order.id)
            {
                Some(shown) => *shown = job,
                None => self.jobs.push(job),
            }
        }
        for e in &update.engineers {
            self.lanes.retain(|l| l.engineer != e.engineer.id);
        }
        for e in update.engineers {
            match self
                .engineers
                .iter_mut()
                .find(|shown| shown.engineer.id == e.engineer.id)
            {
                Some(shown) => *shown = e,
                None => self.engineers.push(e),
            }
        }
        // A lane moves only where its engineer was asked for (removed above).
        for lane in update.lanes {
            self.lanes.retain(|l| l.engineer != lane.engineer);
            self.lanes.push(lane);
        }
        true
    }
}

/// "What if this job went to this engineer, at this time?" — asked before a drop is committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlacementCheck {
    pub work_order: WorkOrderId,
    pub engineer: EngineerId,
    pub day: NaiveDate,
    /// None: as early as the engineer can get there after their other jobs.
    #[serde(default)]
    pub start: Option<DateTime<Utc>>,
}

/// The answer: the engineer's lane with the job placed, and what the placement breaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlacementAssessment {
    pub lane: BoardLane,
    /// The placed job's own conflicts, and those it causes for the engineer's other jobs.
    pub conflicts: Vec<LaneConflict>,
    /// Where the job would start and end.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A job in the pool as an engineer sees it before picking: what and roughly where, not who.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolJob {
    pub work_order: WorkOrderId,
    pub number: String,
    pub priority: Priority,
    pub category: String,
    pub symptom: String,
    pub city: String,
    pub region: String,
    /// Straight-line distance from the engineer's last position or base.
    pub distance_km: Option<f64>,
    /// The SLA's arrive-by time.
    pub arrive_by: DateTime<Utc>,
    pub requested_window: Option<crate::work_order::TimeWindow>,
}

/// What just went wrong, for a re-plan that keeps everyone else's day as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "scenario", rename_all = "snake_case")]
pub enum Scenario {
    /// Plan what is waiting around what is already given out (an urgent job arrived).
    NewJobs,
    /// Plan the whole day again: only pinned and started jobs stay where they are.
    Replan,
    /// The engineer is off sick: their jobs not yet started go to others.
    EngineerOff { engineer: EngineerId },
    /// A job under way will take this many minutes more: the rest of that engineer's day may move.
    Overrun {
        work_order: WorkOrderId,
        minutes: f64,
    },
    /// Nobody was home: the job leaves today's plan; the engineer's other jobs may move up.
    NotHome { work_order: WorkOrderId },
}
