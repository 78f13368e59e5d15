//! Complaint operations, one place each: filing a complaint, acting on one, and the deadline
//! watcher that escalates what was not acknowledged or resolved in time. The rules are core's
//! (`fixline_core::complaint`); handlers parse, authorise and call these.

use fixline_core::Timestamp;
use fixline_core::complaint::{
    Complaint, ComplaintAction, ComplaintActor, ComplaintContext, ComplaintRequest, ComplaintTerms,
    Overdue,
};
use fixline_core::ids::ComplaintId;
use uuid::Uuid;

use crate::config::Config;
use crate::error::Result;
use crate::store::Store;

/// Files a complaint; its deadlines run in the service area's business hours (the desk's).
pub fn file(
    store: &dyn Store,
    config: &Config,
    request: ComplaintRequest,
    at: Timestamp,
) -> Result<Complaint> {
    let id = ComplaintId::from_uuid(Uuid::now_v7());
    let terms = ComplaintTerms {
        policy: &config.complaints,
        calendar: &config.sla.calendar,
        time_zone: config.service_area.time_zone,
    };
    store.create_complaint(
        &mut |number| Ok(Complaint::receive(id, number, request.clone(), at, terms)?),
        at,
    )
}

/// Applies one action to a complaint, refusing a stale `expected` version.
pub fn act(
    store: &dyn Store,
    config: &Config,
    id: ComplaintId,
    expected: Option<u64>,
    actor: &ComplaintActor,
    action: &ComplaintAction,
    at: Timestamp,
) -> Result<Complaint> {
    let ctx = ComplaintContext {
        actor,
        at,
        policy: &config.complaints,
        calendar: &config.sla.calendar,
    };
    store.update_complaint(id, expected, &mut |c| Ok(c.apply(action, &ctx)?), at)
}

/// Escalates every open complaint whose deadline passed by `now` and that was not yet
/// escalated for it, once each; the escalation is a `complaint` change on the live stream,
/// which the next level's screen shows. Returns the complaints escalated.
pub fn escalate_overdue(
    store: &dyn Store,
    config: &Config,
    now: Timestamp,
) -> Result<Vec<(ComplaintId, Overdue)>> {
    let mut escalated = Vec::new();
    for complaint in store.complaints_past_deadline(now)? {
        let Some(missed) = complaint.escalation_due(now) else {
            continue;
        };
        let reason = match missed {
            Overdue::Acknowledge => "not acknowledged by its deadline",
            Overdue::Resolve => "not resolved by its deadline",
        };
        let action = ComplaintAction::Escalate {
            reason: reason.to_owned(),
            breach: Some(missed),
        };
        // Someone may have acted since the list was read: core re-checks on the current one,
        // and a refusal (acknowledged meanwhile) is not an error of the watcher.
        match act(
            store,
            config,
            complaint.id,
            None,
            &ComplaintActor::System,
            &action,
            now,
        ) {
            Ok(_) => escalated.push((complaint.id, missed)),
            Err(crate::error::Error::Domain(e)) => {
                tracing::debug!("complaint {} not escalated: {e}", complaint.number)
            }
            Err(e) => return Err(e),
        }
    }
    Ok(escalated)
}
