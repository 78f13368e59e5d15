//! The return-visit list (回访) and a call's record.

use chrono::{DateTime, Utc};
use fixline_core::ids::{ComplaintId, WorkOrderId};
use fixline_core::return_visit::{CallOutcome, CallReason};
use fixline_core::survey::{Survey, SurveyAnswer};
use fixline_core::work_order::{Priority, Status};
use serde::{Deserialize, Serialize};

/// A finished job due a call, with why and whom to call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueCall {
    pub work_order: WorkOrderId,
    pub number: String,
    pub status: Status,
    pub priority: Priority,
    pub category: String,
    pub customer: String,
    /// The number to call: the customer's, where the file has one.
    pub phone: Option<String>,
    /// When the engineer finished.
    pub finished_at: DateTime<Utc>,
    /// What was done, in the engineer's words.
    pub summary: String,
    pub reasons: Vec<CallReason>,
    /// What the customer answered on their page, if they did.
    pub survey: Option<Survey>,
}

/// What the desk took down on the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnCallRequest {
    /// The customer's answers, asked on the phone.
    pub answer: SurveyAnswer,
    pub outcome: CallOutcome,
    /// What the customer said beyond the scores (the complaint's words, for one).
    #[serde(default)]
    pub note: Option<String>,
}

/// What the call did: the survey with the call on it, the job as it is now, and the complaint
/// filed, if one was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnCallDone {
    pub survey: Survey,
    pub status: Status,
    pub complaint: Option<ComplaintId>,
    pub complaint_number: Option<String>,
}
