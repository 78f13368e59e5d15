//! Device sync: engineers' devices push the actions they took (online or offline) and pull what
//! changed in their scope; the desk sees the conflicts offline work ran into.

use axum::extract::State;
use fixline_core::role::Role;
use fixline_core::sla::SlaPolicy;
use fixline_core::sync::{
    self, PUSH_BATCH_MAX, PullPage, PushOutcome, PushRequest, PushResponse, PushResult,
    SyncConflict, SyncCursor,
};
use fixline_core::work_order::ActionContext;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, Query};
use super::work_orders::event_time;
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};
use crate::store::Visibility;
pub use fixline_api::sync::PullRequest;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(push))
        .routes(routes!(pull))
        .routes(routes!(conflicts))
}

/// Apply a device's actions, in order, each at most once. Every action gets its own outcome
/// (applied, conflict or rejected), and one refused action never stops the ones after it; a
/// repeated action id gets the answer it got the first time, and an id that already stands for
/// a different action is refused (`action_id_reused`). An action dated before its job existed
/// is refused.
/// An action whose time is ahead of the server's clock is answered `clock_ahead` and not stored,
/// so the device can send it again once its clock is right.
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn push(
    State(state): State<AppState>,
    user: SignedIn,
    Json(request): Json<PushRequest>,
) -> Result<axum::Json<PushResponse>> {
    user.require(&[Role::Engineer], "push device actions")?;
    if request.actions.len() > PUSH_BATCH_MAX {
        return Err(Error::bad_request(
            "batch_too_large",
            format!(
                "a push may carry at most {PUSH_BATCH_MAX} actions, not {}",
                request.actions.len()
            ),
        ));
    }
    let actor = user.actor();
    let policy: SlaPolicy = state.sla_policy().clone();
    let skew = chrono::TimeDelta::seconds(state.config().server.max_clock_skew_secs);
    let me = user.0.id;
    let registered = state.run(move |s| s.first_device_registration(me)).await?;
    let mut results = Vec::with_capacity(request.actions.len());
    for action in request.actions {
        let now = state.now();
        if let Err(e) = event_time(&state, Some(action.at), now) {
            results.push(PushResult {
                id: action.id,
                outcome: PushOutcome::Rejected {
                    code: sync::CLOCK_AHEAD.to_owned(),
                    message: e.to_string(),
                },
                work_order: None,
            });
            continue;
        }
        if let Err(e) = super::receipts::check_device_seal(&state, &user, &action.action).await {
            results.push(PushResult {
                id: action.id,
                outcome: PushOutcome::Rejected {
                    code: e.code().to_owned(),
                    message: e.to_string(),
                },
                work_order: None,
            });
            continue;
        }
        if matches!(action.action, fixline_core::work_order::Action::Pick) {
            results.push(PushResult {
                id: action.id,
                outcome: PushOutcome::Rejected {
                    code: "online_only".to_owned(),
                    message: "picking from the pool needs a connection".to_owned(),
                },
                work_order: None,
            });
            continue;
        }
        let actor = actor.clone();
        let policy = policy.clone();
        let (step, step_at) = (action.action.clone(), action.at);
        let eta = match action.action {
            fixline_core::work_order::Action::StartTravel => {
                super::work_orders::expected_arrival(&state, action.work_order, action.at)
                    .await
                    .unwrap_or(None)
            }
            _ => None,
        };
        let result = state
            .run(move |s| {
                let codes = super::settings::code_book(s)?.book;
                s.apply_device_action(&actor, &action, now, &mut |current, standing| {
                    if let Err(e) = action
                        .check_not_before(current, skew)
                        .and_then(|()| action.check_after_registration(registered, skew))
                    {
                        return sync::Replay::Rejected(e);
                    }
                    let ctx = ActionContext {
                        actor: &actor,
                        at: action.at,
                        policy: &policy,
                        codes: &codes,
                    };
                    let mut replayed = sync::replay(current, &action, &ctx, standing);
                    if let (sync::Replay::Applied(next), Some(eta)) = (&mut replayed, eta) {
                        next.eta = Some(eta);
                    }
                    replayed
                })
            })
            .await?;
        if let (PushOutcome::Applied { .. }, Some(wo)) = (&result.outcome, &result.work_order) {
            crate::eta::after_step(&state, wo, &step, step_at).await;
        }
        results.push(result);
    }
    for result in &results {
        state.metrics().pushed(match result.outcome {
            PushOutcome::Applied { .. } => "applied",
            PushOutcome::Conflict { .. } => "conflict",
            PushOutcome::Rejected { .. } => "rejected",
        });
    }
    Ok(axum::Json(PushResponse { results }))
}

/// The next page of what the engineer's device needs: first a snapshot of their jobs, customer
/// files, guides and colleagues, then every change since. Store the records, then the cursor.
#[utoipa::path(post, path = "/api/v1/sync/pull", tag = "sync", request_body = PullRequest,
    responses((status = 200, body = PullPage), (status = 403, body = ErrorBody)))]
async fn pull(
    State(state): State<AppState>,
    user: SignedIn,
    Json(request): Json<PullRequest>,
) -> Result<axum::Json<PullPage>> {
    let Visibility::Engineer(me) = user.visibility() else {
        return Err(Error::forbidden(
            "device sync is for engineers' devices; the desk uses the API and the live stream",
        ));
    };
    let cursor = request.cursor.unwrap_or(SyncCursor::START);
    let limit = request.limit.unwrap_or(200);
    Ok(axum::Json(
        state.run(move |s| s.pull(me, cursor, limit)).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConflictQuery {
    /// At most this many, newest first (default 100).
    pub limit: Option<u32>,
}

/// Offline actions that clashed with the desk: all of them for the desk, an engineer's own for
/// an engineer.
#[utoipa::path(get, path = "/api/v1/sync/conflicts", tag = "sync", params(ConflictQuery),
    responses((status = 200, body = Vec<SyncConflict>), (status = 403, body = ErrorBody)))]
async fn conflicts(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<ConflictQuery>,
) -> Result<axum::Json<Vec<SyncConflict>>> {
    let engineer = match user.visibility() {
        Visibility::Engineer(me) => Some(me),
        Visibility::All => None,
    };
    let limit = q.limit.unwrap_or(100);
    Ok(axum::Json(
        state.run(move |s| s.conflicts(engineer, limit)).await?,
    ))
}
