//! The survey at the desk: what the customer answered after a job, read by the desk roles. A
//! return call's answers are recorded with the call (`api/return_visits.rs`).

use axum::extract::State;
use fixline_core::ids::WorkOrderId;
use fixline_core::role::Role;
use fixline_core::survey::Survey;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::Path;
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(survey))
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
