//! Repair guides per equipment model: written by the service desk, read on site (offline, via
//! device sync) and in the browser.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fixline_core::guide::{Guide, GuideDetails};
use fixline_core::ids::GuideId;
use fixline_core::role::Role;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::extract::{Json, Path, Query, required_if_match, versioned};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{ErrorBody, Result};
use crate::store::{Page, Paging};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_guides, create_guide))
        .routes(routes!(get_guide, update_guide))
}

const AUTHORS: [Role; 3] = [Role::ServiceManager, Role::Dispatcher, Role::Admin];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GuideQuery {
    /// Only guides for this equipment model.
    pub model: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/guides", tag = "guides", params(GuideQuery),
    responses((status = 200, body = Page<Guide>), (status = 401, body = ErrorBody)))]
async fn list_guides(
    State(state): State<AppState>,
    _user: SignedIn,
    Query(q): Query<GuideQuery>,
) -> Result<axum::Json<Page<Guide>>> {
    let paging = Paging::new(q.page, q.per_page);
    Ok(axum::Json(
        state
            .run(move |s| s.list_guides(q.model.as_deref(), paging))
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/guides", tag = "guides", request_body = GuideDetails,
    responses((status = 201, body = Guide), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_guide(
    State(state): State<AppState>,
    user: SignedIn,
    Json(details): Json<GuideDetails>,
) -> Result<Response> {
    user.require(&AUTHORS, "write repair guides")?;
    let now = state.now();
    let g = state
        .run(move |s| s.create_guide(GuideId::from_uuid(Uuid::now_v7()), details, now))
        .await?;
    Ok(versioned(StatusCode::CREATED, g.version, g))
}

#[utoipa::path(get, path = "/api/v1/guides/{id}", tag = "guides", params(("id" = Uuid, Path)),
    responses((status = 200, body = Guide), (status = 404, body = ErrorBody)))]
async fn get_guide(
    State(state): State<AppState>,
    _user: SignedIn,
    Path(id): Path<GuideId>,
) -> Result<Response> {
    let g = state.run(move |s| s.guide(id)).await?;
    Ok(versioned(StatusCode::OK, g.version, g))
}

/// Replace a guide; needs `If-Match`.
#[utoipa::path(put, path = "/api/v1/guides/{id}", tag = "guides", params(("id" = Uuid, Path)), request_body = GuideDetails,
    responses((status = 200, body = Guide), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn update_guide(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Path(id): Path<GuideId>,
    Json(details): Json<GuideDetails>,
) -> Result<Response> {
    user.require(&AUTHORS, "write repair guides")?;
    let expected = required_if_match(&headers)?;
    let now = state.now();
    let g = state
        .run(move |s| s.update_guide(id, expected, details, now))
        .await?;
    Ok(versioned(StatusCode::OK, g.version, g))
}
