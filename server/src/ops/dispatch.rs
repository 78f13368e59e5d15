//! Applying the dispatcher's assignments (a whole plan or the part chosen), each on its own:
//! one that no longer fits is refused with the reason and the others still go through.

use fixline_core::Timestamp;
use fixline_core::role::Actor;
use fixline_core::sla::SlaPolicy;
use fixline_core::work_order::{Action, Status};

use super::work_orders::{self, Step};
use crate::error::Result;
use crate::store::Store;
pub use fixline_api::dispatch::{Applied, Assignment};

/// Applies each assignment in turn; `now` is read for each (a long plan takes a while).
pub fn apply(
    store: &dyn Store,
    policy: &SlaPolicy,
    actor: &Actor,
    assignments: Vec<Assignment>,
    now: impl Fn() -> Timestamp,
) -> Vec<Applied> {
    assignments
        .into_iter()
        .map(|a| {
            let work_order = a.work_order;
            match assign(store, policy, actor, a, now()) {
                Ok(outcome) => Applied {
                    work_order,
                    outcome: outcome.to_owned(),
                    message: None,
                    code: None,
                },
                Err(e) => Applied {
                    work_order,
                    outcome: "refused".to_owned(),
                    message: Some(e.to_string()),
                    code: Some(e.code().to_owned()),
                },
            }
        })
        .collect()
}

/// One assignment: triaged first if still new, assigned unless already the engineer's, and
/// moved to the slot given. Says what it did.
fn assign(
    store: &dyn Store,
    policy: &SlaPolicy,
    actor: &Actor,
    a: Assignment,
    now: Timestamp,
) -> Result<&'static str> {
    store.engineer(a.engineer)?;
    let wo = store.work_order(a.work_order)?;
    let retime = a.slot.filter(|s| wo.planned != Some(*s));
    let schedule = |store: &dyn Store| -> Result<()> {
        if let Some(slot) = retime {
            // A fixed time moves with the dispatcher's hand; other pins stay.
            let schedule = Action::Schedule {
                slot: Some(slot),
                pin: store.work_order(wo.id)?.pin,
            };
            work_orders::act(store, policy, wo.id, &Step::now(actor, &schedule, now))?;
        }
        Ok(())
    };
    if wo.assignee == Some(a.engineer) {
        schedule(store)?;
        return Ok(if retime.is_some() {
            "rescheduled"
        } else {
            "unchanged"
        });
    }
    if wo.status == Status::New {
        let triage = Action::Triage {
            category: None,
            priority: None,
            requirements: None,
        };
        work_orders::act(store, policy, wo.id, &Step::now(actor, &triage, now))?;
    }
    let assign = Action::Assign {
        engineer: a.engineer,
    };
    work_orders::act(store, policy, wo.id, &Step::now(actor, &assign, now))?;
    schedule(store)?;
    Ok("assigned")
}
