//! The QA review (质量控制) for the service manager: the week's sample, a job's scorecard, and
//! the results per engineer.

use axum::extract::State;
use fixline_api::quality::{EngineerQa, QaCase, QaReviewRequest};
use fixline_core::ids::WorkOrderId;
use fixline_core::quality::QaReview;
use fixline_core::role::Role;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, Path, Query};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{ErrorBody, Result};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sample))
        .routes(routes!(review))
        .routes(routes!(results))
}

const REVIEWERS: &[Role] = &[Role::ServiceManager, Role::Admin];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeekQuery {
    /// The ISO week, e.g. "2026-W49"; this week if absent.
    pub week: Option<String>,
}

/// The week's QA sample: per engineer, the jobs with the most risk signals first, then a draw
/// that is the same for the week; each with its scorecard once reviewed.
#[utoipa::path(get, path = "/api/v1/qa/sample", tag = "quality", params(WeekQuery),
    responses((status = 200, body = Vec<QaCase>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn sample(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<WeekQuery>,
) -> Result<axum::Json<Vec<QaCase>>> {
    user.require(REVIEWERS, "review quality")?;
    let week = q.week.unwrap_or_else(|| {
        crate::ops::quality::week_of(state.config().service_area.time_zone.local_day(state.now()))
    });
    let shared = state.clone();
    Ok(axum::Json(
        state
            .run(move |s| crate::ops::quality::sample(s, shared.config(), &week))
            .await?,
    ))
}

/// A job's scorecard: one score (0–2) per checklist item and a comment.
#[utoipa::path(post, path = "/api/v1/work-orders/{id}/qa-review", tag = "quality",
    params(("id" = uuid::Uuid, Path)), request_body = QaReviewRequest,
    responses((status = 200, body = QaReview), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn review(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<WorkOrderId>,
    Json(request): Json<QaReviewRequest>,
) -> Result<axum::Json<QaReview>> {
    user.require(REVIEWERS, "review quality")?;
    let now = state.now();
    let reviewer = user.0.display_name.clone();
    let shared = state.clone();
    Ok(axum::Json(
        state
            .run(move |s| {
                crate::ops::quality::review(s, shared.config(), id, &reviewer, request, now)
            })
            .await?,
    ))
}

/// Each engineer's QA reviews and mean score, best first.
#[utoipa::path(get, path = "/api/v1/qa/results", tag = "quality",
    responses((status = 200, body = Vec<EngineerQa>), (status = 403, body = ErrorBody)))]
async fn results(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<axum::Json<Vec<EngineerQa>>> {
    user.require(REVIEWERS, "review quality")?;
    Ok(axum::Json(state.run(crate::ops::quality::results).await?))
}
