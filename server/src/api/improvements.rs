//! Improvement actions (改进措施) from the service review: listed, made and moved on by the
//! service manager (or an admin).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fixline_core::ids::ImprovementId;
use fixline_core::improvement::{ActionDetails, ImprovementAction};
use fixline_core::role::Role;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, Path, required_if_match, versioned};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{ErrorBody, Result};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(change))
}

const MANAGERS: &[Role] = &[Role::ServiceManager, Role::Admin];

/// Every improvement action: open ones by due day, then the closed ones.
#[utoipa::path(get, path = "/api/v1/improvement-actions", tag = "kpis",
    responses((status = 200, body = Vec<ImprovementAction>), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<axum::Json<Vec<ImprovementAction>>> {
    user.require(MANAGERS, "see the improvement actions")?;
    Ok(axum::Json(state.run(|s| s.improvement_actions()).await?))
}

/// A new improvement action: what, who, by when, the KPI it should move.
#[utoipa::path(post, path = "/api/v1/improvement-actions", tag = "kpis", request_body = ActionDetails,
    responses((status = 201, body = ImprovementAction), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    user: SignedIn,
    Json(details): Json<ActionDetails>,
) -> Result<Response> {
    user.require(MANAGERS, "plan improvement actions")?;
    let now = state.now();
    let action = state
        .run(move |s| crate::ops::review::create_action(s, details, now))
        .await?;
    Ok(versioned(StatusCode::CREATED, action.version, action))
}

/// Changes an action (its status and what happened, or its plan) at the version shown
/// (`If-Match`).
#[utoipa::path(put, path = "/api/v1/improvement-actions/{id}", tag = "kpis",
    params(("id" = uuid::Uuid, Path)), request_body = ActionDetails,
    responses((status = 200, body = ImprovementAction), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 428, body = ErrorBody)))]
async fn change(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<ImprovementId>,
    headers: HeaderMap,
    Json(details): Json<ActionDetails>,
) -> Result<Response> {
    user.require(MANAGERS, "change improvement actions")?;
    let expected = required_if_match(&headers)?;
    let now = state.now();
    let action = state
        .run(move |s| crate::ops::review::change_action(s, id, expected, details, now))
        .await?;
    Ok(versioned(StatusCode::OK, action.version, action))
}
