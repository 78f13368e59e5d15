//! Complaints over HTTP: the desk files them, complaint staff work them (the inbox, one
//! complaint with its actions). The rules are core's; the operations are `crate::ops::complaints`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fixline_api::complaints::ComplaintView;
use fixline_core::complaint::{ComplaintAction, ComplaintActor, ComplaintRequest};
use fixline_core::ids::ComplaintId;
use fixline_core::role::Role;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, Path, Query, if_match, versioned};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{ErrorBody, Result};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_complaints, file_complaint))
        .routes(routes!(get_complaint))
        .routes(routes!(transition))
}

/// Who reads and works complaints.
const STAFF: [Role; 3] = [Role::ComplaintHandler, Role::ServiceManager, Role::Admin];
/// Who may file one: staff, and the dispatcher who takes the call.
const FILERS: [Role; 4] = [
    Role::ComplaintHandler,
    Role::ServiceManager,
    Role::Admin,
    Role::Dispatcher,
];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplaintQuery {
    /// Closed ones too (default: open only).
    #[serde(default)]
    pub all: bool,
}

fn staff_actor(user: &SignedIn) -> ComplaintActor {
    ComplaintActor::Staff(user.actor())
}

/// The inbox: open complaints, overdue first, then by the next deadline.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints", params(ComplaintQuery),
    responses((status = 200, body = Vec<ComplaintView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_complaints(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<ComplaintQuery>,
) -> Result<axum::Json<Vec<ComplaintView>>> {
    user.require(&STAFF, "read complaints")?;
    let now = state.now();
    let actor = staff_actor(&user);
    let mut views: Vec<ComplaintView> = state
        .run(move |s| s.complaints(!q.all, 2000))
        .await?
        .into_iter()
        .map(|c| ComplaintView::of(c, &actor, now))
        .collect();
    views.sort_by_key(|v| {
        (
            v.seconds_to_deadline.is_none(),
            v.overdue.is_none(),
            v.seconds_to_deadline.unwrap_or(i64::MAX),
        )
    });
    Ok(axum::Json(views))
}

#[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints", request_body = ComplaintRequest,
    responses((status = 201, body = ComplaintView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn file_complaint(
    State(state): State<AppState>,
    user: SignedIn,
    Json(request): Json<ComplaintRequest>,
) -> Result<Response> {
    user.require(&FILERS, "file complaints")?;
    let now = state.now();
    // The settings are shared (an Arc in the state), not copied per request.
    let shared = state.clone();
    let c = state
        .run(move |s| crate::ops::complaints::file(s, shared.config(), request, now))
        .await?;
    let version = c.version;
    Ok(versioned(
        StatusCode::CREATED,
        version,
        ComplaintView::of(c, &staff_actor(&user), now),
    ))
}

#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ComplaintView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_complaint(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<ComplaintId>,
) -> Result<Response> {
    user.require(&STAFF, "read complaints")?;
    let c = state.run(move |s| s.complaint(id)).await?;
    let version = c.version;
    Ok(versioned(
        StatusCode::OK,
        version,
        ComplaintView::of(c, &staff_actor(&user), state.now()),
    ))
}

/// Take a step (acknowledge, resolve, escalate, …). `If-Match` is optional: the state machine
/// already refuses what no longer fits.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/transitions", tag = "complaints", params(("id" = uuid::Uuid, Path)),
    request_body = ComplaintAction,
    responses((status = 200, body = ComplaintView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn transition(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Path(id): Path<ComplaintId>,
    Json(action): Json<ComplaintAction>,
) -> Result<Response> {
    user.require(&STAFF, "work complaints")?;
    let expected = if_match(&headers)?;
    let now = state.now();
    let shared = state.clone();
    let actor = staff_actor(&user);
    let for_view = actor.clone();
    let c = state
        .run(move |s| {
            crate::ops::complaints::act(s, shared.config(), id, expected, &actor, &action, now)
        })
        .await?;
    let version = c.version;
    Ok(versioned(
        StatusCode::OK,
        version,
        ComplaintView::of(c, &for_view, now),
    ))
}
