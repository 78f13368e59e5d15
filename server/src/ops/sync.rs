//! A device's pushed actions, each replayed once through core (`sync::replay`) at the device's
//! time; what it settles to (applied, conflict, refused) is core's `Replay::settle`.

use fixline_core::sync::{
    self, CLOCK_AHEAD, DeviceAction, PushOutcome, PushResult, Replay, Settlement,
};
use fixline_core::work_order::{Action, ActionContext};

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, Result};

/// Replays a batch in order; each action gets its own answer, and a refused one does not stop
/// the rest.
pub async fn push(
    state: &AppState,
    user: &SignedIn,
    actions: Vec<DeviceAction>,
) -> Result<Vec<PushResult>> {
    let me = user.0.id;
    let registered = state.run(move |s| s.first_device_registration(me)).await?;
    let mut results = Vec::with_capacity(actions.len());
    for action in actions {
        let result = match refused_before_replay(state, user, &action).await {
            Some(e) => PushResult {
                id: action.id,
                outcome: Settlement::refused(&e).outcome,
                work_order: None,
            },
            None => replay(state, user, action, registered).await?,
        };
        state.metrics().pushed(match result.outcome {
            PushOutcome::Applied { .. } => "applied",
            PushOutcome::Conflict { .. } => "conflict",
            PushOutcome::Rejected { .. } => "rejected",
        });
        results.push(result);
    }
    Ok(results)
}

/// What is refused without looking at the job: a time ahead of the server's clock, a receipt
/// sealed by a key the server does not know, a pick (which needs the server's checks).
async fn refused_before_replay(
    state: &AppState,
    user: &SignedIn,
    action: &DeviceAction,
) -> Option<Refusal> {
    let now = state.now();
    if let Err(e) = super::work_orders::event_time(state, Some(action.at), now) {
        return Some(Refusal::new(CLOCK_AHEAD, e.to_string()));
    }
    if let Err(e) = crate::ops::receipts::check_device_seal(state, user, &action.action).await {
        return Some(Refusal::new(e.code(), e.to_string()));
    }
    if matches!(action.action, Action::Pick) {
        return Some(Refusal::new(
            "online_only",
            "picking from the pool needs a connection",
        ));
    }
    None
}

async fn replay(
    state: &AppState,
    user: &SignedIn,
    action: DeviceAction,
    registered: Option<fixline_core::Timestamp>,
) -> Result<PushResult> {
    let actor = user.actor();
    let policy = state.sla_policy().clone();
    let skew = chrono::TimeDelta::seconds(state.config().server.max_clock_skew_secs);
    let now = state.now();
    let (step, step_at) = (action.action.clone(), action.at);
    let eta = match action.action {
        Action::StartTravel => {
            super::work_orders::expected_arrival(state, action.work_order, action.at)
                .await
                .unwrap_or(None)
        }
        _ => None,
    };
    let result = state
        .run(move |s| {
            let codes = crate::ops::settings::code_book(s)?.book;
            s.apply_device_action(&actor, &action, now, &mut |current, standing| {
                if let Err(e) = action
                    .check_not_before(current, skew)
                    .and_then(|()| action.check_after_registration(registered, skew))
                {
                    return Replay::Rejected(e);
                }
                let ctx = ActionContext {
                    actor: &actor,
                    at: action.at,
                    policy: &policy,
                    codes: &codes,
                };
                sync::replay(current, &action, &ctx, standing).expecting(eta)
            })
        })
        .await?;
    if let (PushOutcome::Applied { .. }, Some(wo)) = (&result.outcome, &result.work_order) {
        crate::ops::eta::after_step(state, wo, &step, step_at).await;
    }
    Ok(result)
}

/// A refusal made before the store is asked.
struct Refusal {
    code: String,
    message: String,
}

impl Refusal {
    fn new(code: &str, message: impl Into<String>) -> Self {
        Refusal {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl sync::RefusalCode for Refusal {
    fn refusal_code(&self) -> &str {
        &self.code
    }
}

impl sync::RefusalCode for Error {
    fn refusal_code(&self) -> &str {
        self.code()
    }
}
