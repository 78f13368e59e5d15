//! Engineers: skills, shifts, status, and the position pings their devices send.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fixline_core::engineer::{Engineer, EngineerDetails};
use fixline_core::ids::EngineerId;
use fixline_core::position::{Position, PositionFix};
use fixline_core::role::Role;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::extract::{Json, Path, Query, required_if_match, versioned};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};
use crate::ops::work_orders::event_time;
use crate::store::{Page, Paging};
pub use fixline_api::engineers::{EngineerUpdate, PositionPing};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_engineers, create_engineer))
        .routes(routes!(get_engineer, update_engineer))
        .routes(routes!(record_position))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EngineerQuery {
    pub region: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// Engineers, for the board and for hand-over to a colleague. An engineer sees colleagues
/// without their phone number or position (core's `Engineer::as_seen_by`).
#[utoipa::path(get, path = "/api/v1/engineers", tag = "engineers", params(EngineerQuery),
    responses((status = 200, body = Page<Engineer>), (status = 401, body = ErrorBody)))]
async fn list_engineers(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<EngineerQuery>,
) -> Result<axum::Json<Page<Engineer>>> {
    let paging = Paging::new(q.page, q.per_page);
    let mut page = state
        .run(move |s| s.list_engineers(q.region.as_deref(), paging))
        .await?;
    page.items = page
        .items
        .into_iter()
        .map(|e| e.as_seen_by(user.role(), user.0.engineer_id))
        .collect();
    Ok(axum::Json(page))
}

#[utoipa::path(post, path = "/api/v1/engineers", tag = "engineers", request_body = EngineerDetails,
    responses((status = 201, body = Engineer), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_engineer(
    State(state): State<AppState>,
    user: SignedIn,
    Json(details): Json<EngineerDetails>,
) -> Result<Response> {
    user.require(&[Role::ServiceManager, Role::Admin], "create engineers")?;
    let now = state.now();
    let e = state
        .run(move |s| s.create_engineer(EngineerId::from_uuid(Uuid::now_v7()), details, now))
        .await?;
    Ok(versioned(StatusCode::CREATED, e.version, e))
}

#[utoipa::path(get, path = "/api/v1/engineers/{id}", tag = "engineers", params(("id" = Uuid, Path)),
    responses((status = 200, body = Engineer), (status = 404, body = ErrorBody)))]
async fn get_engineer(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<EngineerId>,
) -> Result<Response> {
    let e = state.run(move |s| s.engineer(id)).await?;
    let version = e.version;
    Ok(versioned(
        StatusCode::OK,
        version,
        e.as_seen_by(user.role(), user.0.engineer_id),
    ))
}

/// Replace an engineer's details (and optionally status); needs `If-Match`.
#[utoipa::path(put, path = "/api/v1/engineers/{id}", tag = "engineers", params(("id" = Uuid, Path)), request_body = EngineerUpdate,
    responses((status = 200, body = Engineer), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn update_engineer(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Path(id): Path<EngineerId>,
    Json(u): Json<EngineerUpdate>,
) -> Result<Response> {
    user.require_desk("edit engineers")?;
    let expected = required_if_match(&headers)?;
    let now = state.now();
    let e = state
        .run(move |s| s.update_engineer(id, expected, u.details, u.status, now))
        .await?;
    Ok(versioned(StatusCode::OK, e.version, e))
}

/// An engineer's device reports where it is.
#[utoipa::path(post, path = "/api/v1/engineers/{id}/position", tag = "engineers", params(("id" = Uuid, Path)), request_body = PositionPing,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_position(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<EngineerId>,
    Json(ping): Json<PositionPing>,
) -> Result<StatusCode> {
    if user.0.engineer_id != Some(id) && user.role() != Role::Admin {
        return Err(Error::forbidden(
            "only the engineer's own device reports their position",
        ));
    }
    let position = Position::new(ping.lat, ping.lon)?;
    let now = state.now();
    let fix = PositionFix {
        position,
        at: event_time(&state, ping.at, now)?,
    };
    let config = state.config().dispatch.clone();
    state
        .run(move |s| {
            s.record_position(id, fix, now)?;
            crate::ops::eta::refresh(s, &config, id, now)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
