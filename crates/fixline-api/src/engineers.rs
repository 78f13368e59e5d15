//! Engineers' records and where they are.

use chrono::{DateTime, Utc};
use fixline_core::engineer::{EngineerDetails, EngineerStatus};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EngineerUpdate {
    #[serde(flatten)]
    pub details: EngineerDetails,
    #[serde(default)]
    pub status: Option<EngineerStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PositionPing {
    pub lat: f64,
    pub lon: f64,
    /// When the device measured it; now if absent.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}
