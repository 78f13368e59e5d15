//! Changing one work order: a lifecycle step or a desk edit.

use fixline_core::Timestamp;
use fixline_core::ids::WorkOrderId;
use fixline_core::role::Actor;
use fixline_core::sla::SlaPolicy;
use fixline_core::work_order::{Action, ActionContext, WorkOrder, WorkOrderEdit};

use axum::http::StatusCode;

use crate::error::{Error, Result};
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
    let codes = crate::ops::settings::code_book(store)?.book;
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

/// A lifecycle step asked for over the API (the actor may see the job): refused when it must go
/// another way (a pick), when a device's seal is unknown, or when it names an engineer who does
/// not exist; dated by the device if it says when; then applied, the engineer's day walked
/// again, and a triaged job offered to automatic assignment.
pub async fn transition(
    state: &crate::AppState,
    user: &crate::auth::SignedIn,
    id: WorkOrderId,
    req: fixline_api::work_orders::TransitionRequest,
    expected: Option<u64>,
) -> Result<WorkOrder> {
    if matches!(req.action, Action::Pick) {
        // One way in, where the engineer's skill and certifications are checked.
        return Err(Error::bad_request_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "pick_from_pool",
            format!("pick a job from the pool: POST /api/v1/pool/{id}/pick"),
        ));
    }
    crate::ops::receipts::check_device_seal(state, user, &req.action).await?;
    if let Action::Assign { engineer } | Action::HandOver { to: engineer, .. } = &req.action {
        let engineer = *engineer;
        state
            .run(move |s| match s.engineer(engineer) {
                Err(Error::NotFound { .. }) => Err(Error::bad_request_with_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_engineer",
                    format!("there is no engineer {engineer}"),
                )),
                other => other.map(drop),
            })
            .await?;
    }
    let now = state.now();
    let at = event_time(state, req.at, now)?;
    if req.at.is_some() {
        let skew = chrono::TimeDelta::seconds(state.config().server.max_clock_skew_secs);
        state
            .run(move |s| Ok(s.work_order(id)?.check_event_time(at, skew)?))
            .await?;
    }
    let actor = user.actor();
    let policy = state.sla_policy().clone();
    // "On my way": the expected arrival goes on the job with the step, for the customer.
    let eta = match req.action {
        Action::StartTravel => expected_arrival(state, id, at).await?,
        _ => None,
    };
    let triaged = matches!(req.action, Action::Triage { .. });
    let action = req.action.clone();
    let mut wo = state
        .run(move |s| {
            let step = Step {
                actor: &actor,
                action: &req.action,
                at,
                now,
                expected,
                eta,
            };
            act(s, &policy, id, &step)
        })
        .await?;
    crate::ops::eta::after_step(state, &wo, &action, at).await;
    if triaged {
        crate::ops::auto_assign::after_change(state, id).await;
        wo = state.run(move |s| s.work_order(id)).await?;
    }
    Ok(wo)
}

/// The time an event happened: the device's, unless it claims to be in the future.
pub fn event_time(
    state: &crate::AppState,
    at: Option<Timestamp>,
    now: Timestamp,
) -> Result<Timestamp> {
    let skew = chrono::TimeDelta::seconds(state.config().server.max_clock_skew_secs);
    match at {
        Some(at) if at > now + skew => Err(Error::bad_request(
            "clock_ahead",
            format!(
                "the time {at} is ahead of the server's clock ({now}); check the device's date and time"
            ),
        )),
        Some(at) => Ok(at),
        None => Ok(now),
    }
}
