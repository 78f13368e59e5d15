//! The return-visit list (回访) and recording a call, for the desk.

use axum::extract::State;
use fixline_api::return_visits::{DueCall, ReturnCallDone, ReturnCallRequest};
use fixline_core::ids::WorkOrderId;
use fixline_core::role::Role;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, Path};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{ErrorBody, Result};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(call))
}

/// Who makes return calls: the desk, and the complaint handler following one up.
const CALLERS: &[Role] = &[
    Role::Dispatcher,
    Role::ServiceManager,
    Role::ComplaintHandler,
    Role::Admin,
];

/// Finished jobs due a call, by the rules (every P1, every refused signature, every survey that
/// says not fixed or unhappy, a random share of the rest), the longest waiting first.
#[utoipa::path(get, path = "/api/v1/return-visits", tag = "surveys",
    responses((status = 200, body = Vec<DueCall>), (status = 403, body = ErrorBody)))]
async fn list(State(state): State<AppState>, user: SignedIn) -> Result<axum::Json<Vec<DueCall>>> {
    user.require(CALLERS, "see the return-visit list")?;
    let now = state.now();
    let shared = state.clone();
    Ok(axum::Json(
        state
            .run(move |s| crate::ops::return_visits::due(s, shared.config(), now))
            .await?,
    ))
}

/// A return call's record: the customer's answers and the outcome (satisfied: the job is
/// confirmed; not fixed: reopened for a rework visit; complaint: one is filed on the job).
#[utoipa::path(post, path = "/api/v1/work-orders/{id}/return-call", tag = "surveys",
    params(("id" = uuid::Uuid, Path)), request_body = ReturnCallRequest,
    responses((status = 200, body = ReturnCallDone), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn call(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<WorkOrderId>,
    Json(request): Json<ReturnCallRequest>,
) -> Result<axum::Json<ReturnCallDone>> {
    user.require(CALLERS, "record a return call")?;
    let now = state.now();
    let actor = user.actor();
    let shared = state.clone();
    Ok(axum::Json(
        state
            .run(move |s| {
                let (config, policy) = (shared.config(), shared.sla_policy());
                crate::ops::return_visits::record(s, config, policy, id, &actor, request, now)
            })
            .await?,
    ))
}
