//! Work orders: lists with filters, the desk's edits, lifecycle transitions (replayed through
//! `fixline-core`), visits and the history.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use fixline_core::ids::{CustomerId, EngineerId, WorkOrderId};
use fixline_core::role::Role;
use fixline_core::work_order::{
    HistoryEntry, Priority, Status, Visit, WorkOrder, WorkOrderSummary,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::extract::{Json, Path, Query, if_match, required_if_match, versioned};
use super::intake::{self, IntakeReceipt};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};
use crate::ops::work_orders::{self};
use crate::store::{Page, Paging, Visibility, WorkOrderFilter};
pub use fixline_api::work_orders::{TransitionRequest, WorkOrderEdit};
use fixline_core::intake::DeskIntake;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_work_orders, create_work_order))
        .routes(routes!(get_work_order, edit_work_order))
        .routes(routes!(transition))
        .routes(routes!(history))
        .routes(routes!(visits))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkOrderQuery {
    /// Comma-separated statuses, e.g. `assigned,accepted`.
    pub status: Option<String>,
    /// Comma-separated priorities, e.g. `P1,P2`.
    pub priority: Option<String>,
    /// Assigned engineer. Engineers always see only their own.
    pub engineer: Option<Uuid>,
    pub customer: Option<Uuid>,
    pub region: Option<String>,
    /// Created at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Created before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Part of the number, symptom, customer name or address.
    pub q: Option<String>,
    /// Only jobs still needing work.
    #[serde(default)]
    pub open: bool,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

fn parse_list<T>(
    field: &'static str,
    raw: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>> {
    raw.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            parse(s).ok_or_else(|| {
                Error::bad_request(
                    "invalid_query",
                    format!("{field}: {s:?} is not one of the known values"),
                )
            })
        })
        .collect()
}

impl WorkOrderQuery {
    fn into_filter(self, user: &SignedIn) -> Result<WorkOrderFilter> {
        let mut assignee = self.engineer.map(EngineerId::from_uuid);
        if let Visibility::Engineer(me) = user.visibility() {
            if assignee.is_some_and(|e| e != me) {
                return Err(Error::forbidden("engineers see only their own work orders"));
            }
            assignee = Some(me);
        }
        Ok(WorkOrderFilter {
            statuses: parse_list("status", self.status.as_deref(), Status::parse)?,
            priorities: parse_list("priority", self.priority.as_deref(), Priority::parse)?,
            assignee,
            customer: self.customer.map(CustomerId::from_uuid),
            region: self.region,
            created_from: self.from,
            created_to: self.to,
            text: self.q,
            open_only: self.open,
        })
    }
}

#[utoipa::path(get, path = "/api/v1/work-orders", tag = "work orders", params(WorkOrderQuery),
    responses((status = 200, body = Page<WorkOrderSummary>), (status = 400, body = ErrorBody)))]
async fn list_work_orders(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<WorkOrderQuery>,
) -> Result<axum::Json<Page<WorkOrderSummary>>> {
    let paging = Paging::new(q.page, q.per_page);
    let filter = q.into_filter(&user)?;
    Ok(axum::Json(
        state
            .run(move |s| s.list_work_orders(&filter, paging))
            .await?,
    ))
}

/// The desk records a request taken by phone, e-mail or WeChat.
#[utoipa::path(post, path = "/api/v1/work-orders", tag = "work orders", request_body = DeskIntake,
    params(("Idempotency-Key" = Option<String>, Header, description = "the same key from the same user answers with the job it made the first time")),
    responses((status = 201, body = IntakeReceipt), (status = 200, description = "repeated idempotency key", body = IntakeReceipt),
        (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_work_order(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Json(body): Json<DeskIntake>,
) -> Result<Response> {
    user.require(
        &[
            Role::Dispatcher,
            Role::ServiceManager,
            Role::ComplaintHandler,
            Role::Admin,
        ],
        "take in work orders",
    )?;
    let key = intake::idempotency_key(&headers, &format!("user:{}", user.0.id))?;
    intake::take_in(&state, body.channel, key, Some(user.actor()), body.request).await
}

/// Loads a work order the caller may see; engineers get 404 for others' jobs.
pub(crate) async fn visible(
    state: &AppState,
    user: &SignedIn,
    id: WorkOrderId,
) -> Result<WorkOrder> {
    let wo = state.run(move |s| s.work_order(id)).await?;
    match user.visibility() {
        Visibility::Engineer(me) if wo.assignee != Some(me) => {
            Err(Error::not_found("work order", id))
        }
        _ => Ok(wo),
    }
}

#[utoipa::path(get, path = "/api/v1/work-orders/{id}", tag = "work orders", params(("id" = Uuid, Path)),
    responses((status = 200, body = WorkOrder), (status = 404, body = ErrorBody)))]
async fn get_work_order(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<WorkOrderId>,
) -> Result<Response> {
    let wo = visible(&state, &user, id).await?;
    Ok(versioned(StatusCode::OK, wo.version, wo))
}

/// Correct a request (category, symptom, requested window); needs `If-Match`.
#[utoipa::path(put, path = "/api/v1/work-orders/{id}", tag = "work orders", params(("id" = Uuid, Path)), request_body = WorkOrderEdit,
    responses((status = 200, body = WorkOrder), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn edit_work_order(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Path(id): Path<WorkOrderId>,
    Json(edit): Json<WorkOrderEdit>,
) -> Result<Response> {
    user.require_desk("edit work orders")?;
    let expected = required_if_match(&headers)?;
    let actor = user.actor();
    let now = state.now();
    let wo = state
        .run(move |s| crate::ops::work_orders::edit(s, id, expected, &actor, &edit, now))
        .await?;
    Ok(versioned(StatusCode::OK, wo.version, wo))
}

/// Perform a lifecycle action (accept, arrive, complete, …). `If-Match` is optional: the state
/// machine already refuses what no longer fits.
#[utoipa::path(post, path = "/api/v1/work-orders/{id}/transitions", tag = "work orders", params(("id" = Uuid, Path)), request_body = TransitionRequest,
    responses((status = 200, body = WorkOrder), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn transition(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Path(id): Path<WorkOrderId>,
    Json(req): Json<TransitionRequest>,
) -> Result<Response> {
    let expected = if_match(&headers)?;
    visible(&state, &user, id).await?;
    let wo = work_orders::transition(&state, &user, id, req, expected).await?;
    Ok(versioned(StatusCode::OK, wo.version, wo))
}

/// Who did what, when: every version of the work order.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/history", tag = "work orders", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = ErrorBody)))]
async fn history(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<WorkOrderId>,
) -> Result<axum::Json<Vec<HistoryEntry>>> {
    visible(&state, &user, id).await?;
    Ok(axum::Json(state.run(move |s| s.history(id)).await?))
}

/// Visits: check-in and check-out times and positions.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/visits", tag = "work orders", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<Visit>), (status = 404, body = ErrorBody)))]
async fn visits(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<WorkOrderId>,
) -> Result<axum::Json<Vec<Visit>>> {
    Ok(axum::Json(visible(&state, &user, id).await?.visits))
}
