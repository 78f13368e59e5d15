//! What the app shell's commands answer beyond core's device records.

use fixline_core::customer::CustomerFile;
use fixline_core::device::LocalJob;
use serde::{Deserialize, Serialize};

/// A job with its customer's file, as the job screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDetail {
    pub job: LocalJob,
    pub customer: Option<CustomerFile>,
}
