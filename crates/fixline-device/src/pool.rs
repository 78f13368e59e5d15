//! The work-order pool from the app: what the desk released that this engineer may pick, and
//! the pick itself. Both need a connection (the pool offline would be a guess, and two
//! engineers must not both think a job is theirs); the picked job arrives with the next sync.

use fixline_core::board::PoolJob;
use fixline_core::ids::WorkOrderId;
use fixline_core::work_order::WorkOrder;

use crate::client::ServerLink;
use crate::{DeviceStore, Error, Result};

/// The signed-in engineer's link to the server.
pub(crate) fn link(store: &DeviceStore) -> Result<ServerLink> {
    let session = store.session()?.ok_or(Error::NotSignedIn)?;
    ServerLink::for_session(&session)
}

/// The jobs in the pool this engineer is qualified for, nearest first.
pub async fn pool(store: &DeviceStore) -> Result<Vec<PoolJob>> {
    link(store)?.get("/api/v1/pool").await
}

/// Picks a job; the caller syncs so the job and its customer's file come down.
pub async fn pick(store: &DeviceStore, id: WorkOrderId) -> Result<()> {
    let _: WorkOrder = link(store)?
        .post_json(&format!("/api/v1/pool/{id}/pick"), &serde_json::json!({}))
        .await?;
    Ok(())
}
