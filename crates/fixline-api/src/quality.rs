//! The weekly QA sample, a review's scorecard, and the results per engineer.

use chrono::{DateTime, Utc};
use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::quality::{QaReview, RiskSignal};
use serde::{Deserialize, Serialize};

/// A job in the week's sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QaCase {
    pub work_order: WorkOrderId,
    pub number: String,
    pub engineer: EngineerId,
    pub engineer_name: String,
    pub category: String,
    pub finished_at: DateTime<Utc>,
    /// What the engineer wrote they did.
    pub summary: String,
    pub signals: Vec<RiskSignal>,
    /// The scorecard, once reviewed.
    pub review: Option<QaReview>,
}

/// A reviewer's scores for a job in a week's sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QaReviewRequest {
    /// The ISO week the job was sampled in, e.g. "2026-W49".
    pub week: String,
    /// One score (0–2) per checklist item, in the checklist's order.
    pub scores: Vec<u8>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// An engineer's QA results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EngineerQa {
    pub engineer: EngineerId,
    pub name: String,
    pub reviews: u32,
    /// The mean score, in percent of the most a job can get.
    pub average_percent: f64,
}
