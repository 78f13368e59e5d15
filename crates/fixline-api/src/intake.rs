//! Partners' intake keys.

use fixline_core::work_order::IntakeChannel;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewIntakeKey {
    pub channel: IntakeChannel,
    /// Who holds the key, e.g. "WeChat service account".
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntakeKey {
    pub channel: IntakeChannel,
    pub label: String,
    /// Shown once; only its hash is stored.
    pub api_key: String,
}
