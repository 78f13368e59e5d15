//! The device's pull request (the push request and both answers are core's sync types).

use fixline_core::sync::SyncCursor;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullRequest {
    /// Where the device is; absent on first sync.
    #[serde(default)]
    pub cursor: Option<SyncCursor>,
    /// Records per page (1–1000, default 200).
    #[serde(default)]
    pub limit: Option<u32>,
}
