//! The survey at the desk: what the customer answered after a job (read by the desk roles), and
//! the answer the desk takes down on a return call (回访), which may change it at any time.

use axum::extract::State;
use fixline_core::ids::WorkOrderId;
use fixline_core::role::Role;
use fixline_core::survey::{Survey, SurveyAnswer, SurveySource};
use fixline_core::work_order::Status;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, Path};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(survey, take_call))
}

/// Who reads and records surveys: the desk, and the complaint handler who follows one up.
const DESK: &[Role] = &[
    Role::Dispatcher,
    Role::ServiceManager,
    Role::ComplaintHandler,
    Role::Admin,
];

/// The job's survey; 404 while the customer has not answered.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/survey", tag = "surveys",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Survey), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn survey(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<WorkOrderId>,
) -> Result<axum::Json<Survey>> {
    user.require(DESK, "read surveys")?;
    state
        .run(move |s| {
            s.work_order(id)?;
            s.survey(id)
        })
        .await?
        .map(axum::Json)
        .ok_or_else(|| Error::not_found("survey", id))
}

/// The customer's answers taken down on a return call: the job's survey, first or changed.
/// Only for a job the engineer finished.
#[utoipa::path(put, path = "/api/v1/work-orders/{id}/survey", tag = "surveys",
    params(("id" = uuid::Uuid, Path)), request_body = SurveyAnswer,
    responses((status = 200, body = Survey), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn take_call(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<WorkOrderId>,
    Json(answer): Json<SurveyAnswer>,
) -> Result<axum::Json<Survey>> {
    user.require(DESK, "record a return call")?;
    let now = state.now();
    let saved = state
        .run(move |s| {
            let wo = s.work_order(id)?;
            if !matches!(
                wo.status,
                Status::Completed | Status::Confirmed | Status::Closed
            ) {
                return Err(Error::Conflict(format!(
                    "{} is {}: a return call follows a finished job",
                    wo.number,
                    wo.status.as_str()
                )));
            }
            s.answer_survey(id, &mut |before| {
                let answer = answer.clone();
                Ok(match before {
                    None => Survey::first(id, answer, SurveySource::ReturnCall, now)?,
                    Some(b) => b.revised(answer, SurveySource::ReturnCall, now)?,
                })
            })
        })
        .await?;
    Ok(axum::Json(saved))
}
