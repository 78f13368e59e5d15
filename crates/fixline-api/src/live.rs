//! The change log as it crosses the wire: the live stream's events and `/api/v1/changes`. A
//! live view (the console) reads which records and engineers a change touched and fetches just
//! those.

use chrono::{DateTime, Utc};
use fixline_core::ids::EngineerId;
use serde::{Deserialize, Serialize};

/// Kinds of record in the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Customer,
    Contact,
    Site,
    Asset,
    Engineer,
    WorkOrder,
    Article,
    SyncConflict,
    Complaint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Created,
    Updated,
    /// An engineer's position ping.
    Position,
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// Strictly increasing in commit order.
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub entity: Entity,
    pub entity_id: uuid::Uuid,
    pub op: ChangeOp,
    pub version: Option<u64>,
    /// The engineer this change concerns (a job's assignee, a position's engineer).
    pub engineer_id: Option<EngineerId>,
    /// The job's assignee before the change, when it changed hands.
    pub previous_engineer_id: Option<EngineerId>,
    pub region: Option<String>,
    /// A summary for live views: a work-order summary, an engineer's status and position.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}
