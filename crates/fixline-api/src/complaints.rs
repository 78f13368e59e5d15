//! Complaint bodies: a complaint as the inbox and the complaint page show it, with what the
//! signed-in person may do next and how its deadline stands.

use fixline_core::Timestamp;
use fixline_core::complaint::{Complaint, ComplaintActionKind, ComplaintActor, Overdue};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintView {
    #[serde(flatten)]
    pub complaint: Complaint,
    /// The actions the signed-in person may take now (the screen's buttons).
    pub available_actions: Vec<ComplaintActionKind>,
    /// The deadline that has passed, if one has.
    pub overdue: Option<Overdue>,
    /// Seconds to the next deadline, negative once passed; none when closed.
    pub seconds_to_deadline: Option<i64>,
}

impl ComplaintView {
    pub fn of(complaint: Complaint, actor: &ComplaintActor, now: Timestamp) -> ComplaintView {
        ComplaintView {
            available_actions: complaint.available_actions(actor),
            overdue: complaint.overdue(now),
            seconds_to_deadline: complaint.seconds_to_deadline(now),
            complaint,
        }
    }
}
