//! The engineer's own scorecard from the app: their KPIs by month, as the server computes them
//! (online only: the figures need everyone's surveys and rework, which a device does not hold).

use fixline_api::kpi::KpiTable;

use crate::{DeviceStore, Result};

/// This engineer's figures, this month so far and by month.
pub async fn scorecard(store: &DeviceStore) -> Result<KpiTable> {
    crate::pool::link(store)?.get("/api/v1/me/scorecard").await
}
