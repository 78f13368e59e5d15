//! Changing one work order: a lifecycle step or a desk edit.

use fixline_core::Timestamp;
use fixline_core::ids::WorkOrderId;
use fixline_core::role::Actor;
use fixline_core::sla::SlaPolicy;
use fixline_core::work_order::{Action, ActionContext, WorkOrder, WorkOrderEdit};

use crate::error::Result;
use crate::store::Store;

/// One lifecycle step as the server takes it.
#[derive(Debug, Clone)]
pub struct Step<'a> {
    pub actor: &'a Actor,
    pub action: &'a Action,
    /// When it happened (a device's time for a step taken offline).
    pub at: Timestamp,
    /// When the server learnt of it.
    pub now: Timestamp,
    /// The version the actor saw (`If-Match`); `None` lets the state machine alone decide.
    pub expected: Option<u64>,
    /// "On my way": the expected arrival to put on the job with the step.
    pub eta: Option<Timestamp>,
}

impl<'a> Step<'a> {
    /// A step taken now, by whoever the server acts for.
    pub fn now(actor: &'a Actor, action: &'a Action, now: Timestamp) -> Self {
        Step {
            actor,
            action,
            at: now,
            now,
            expected: None,
            eta: None,
        }
    }

    /// Only if the job is still at `version`.
    pub fn at_version(self, version: u64) -> Self {
        Step {
            expected: Some(version),
            ..self
        }
    }
}

/// Applies one step through core's state machine and records it in the history, in one
/// transaction.
pub fn act(
    store: &dyn Store,
    policy: &SlaPolicy,
    id: WorkOrderId,
    step: &Step<'_>,
) -> Result<WorkOrder> {
    let codes = crate::api::settings::code_book(store)?.book;
    store.update_work_order(id, step.expected, step.now, &mut |current| {
        let ctx = ActionContext {
            actor: step.actor,
            at: step.at,
            policy,
            codes: &codes,
        };
        Ok(current.act(step.action, &ctx)?.expecting(step.eta))
    })
}

/// The desk corrects the request, at the version it saw.
pub fn edit(
    store: &dyn Store,
    id: WorkOrderId,
    expected: u64,
    actor: &Actor,
    edit: &WorkOrderEdit,
    now: Timestamp,
) -> Result<WorkOrder> {
    store.update_work_order(id, Some(expected), now, &mut |current| {
        Ok(current.edit(edit, actor, now)?)
    })
}

/// When the job's engineer, setting off at `at`, should arrive (core's walk of their day, with
/// this job on the way); none if the site has no position.
pub async fn expected_arrival(
    state: &crate::AppState,
    id: WorkOrderId,
    at: Timestamp,
) -> Result<Option<Timestamp>> {
    let config = state.config().dispatch.clone();
    state
        .run(move |s| {
            let mut wo = s.work_order(id)?;
            let Some(engineer) = wo.assignee else {
                return Ok(None);
            };
            // Setting off now from where they are: the estimate is made afresh.
            wo.status = fixline_core::work_order::Status::EnRoute;
            wo.eta = None;
            crate::ops::eta::arrival(s, &config, &s.engineer(engineer)?, &wo, at)
        })
        .await
}
