//! Desk edits and lifecycle actions on one work order.

use chrono::{DateTime, Utc};
use fixline_core::work_order::Action;
use serde::{Deserialize, Serialize};

/// The page a customer follows their request on, from request to survey; the desk reads it
/// out or sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackingLink {
    pub url: String,
}

/// Request fields the desk may correct after intake (core checks them).
pub use fixline_core::work_order::WorkOrderEdit;

/// A lifecycle action, with the time it happened on the device if done offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransitionRequest {
    #[serde(flatten)]
    pub action: Action,
    /// When it happened (device time); now if absent. May be in the past, not in the future.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}
