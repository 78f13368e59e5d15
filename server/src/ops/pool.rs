//! An engineer picks a job from the pool: it becomes theirs, accepted, if they are qualified
//! for it today and nobody was quicker.

use fixline_core::Timestamp;
use fixline_core::ids::WorkOrderId;
use fixline_core::role::Actor;
use fixline_core::sla::SlaPolicy;
use fixline_core::work_order::{Action, WorkOrder};
use fixline_core::zone::ServiceArea;

use super::work_orders::{self, Step};
use crate::error::{Error, Result};
use crate::store::Store;

pub fn pick(
    store: &dyn Store,
    policy: &SlaPolicy,
    area: &ServiceArea,
    actor: &Actor,
    id: WorkOrderId,
    now: Timestamp,
) -> Result<WorkOrder> {
    let wo = store.work_order(id)?;
    if !wo.pooled {
        // Taken (or never offered): say so without telling who has it.
        return Err(Error::Conflict(
            "the job is no longer in the pool".to_owned(),
        ));
    }
    let engineer = store.engineer(
        actor
            .engineer
            .ok_or_else(|| Error::forbidden("this login is not linked to an engineer"))?,
    )?;
    let today = area.zone_of(&engineer.details.region).local_day(now);
    if !wo.qualifies(&engineer, today) {
        return Err(Error::forbidden(format!(
            "{} needs {}",
            wo.number,
            wo.requirements_text()
        )));
    }
    // At the version just checked: a triage in between (new requirements) or a quicker
    // engineer makes this a conflict, never a pick the check did not see.
    let step = Step::now(actor, &Action::Pick, now).at_version(wo.version);
    work_orders::act(store, policy, id, &step)
}
