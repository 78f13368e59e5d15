//! The notification outbox as the desk sees it: what was told to whom and on which channel,
//! what is waiting, what was given up (dead letters), and resending one.

use axum::extract::State;
use axum::http::StatusCode;
use fixline_core::ids::{ComplaintId, WorkOrderId};
use fixline_core::notify::{Delivery, DeliveryState, NoticeSubject, StaffNotice};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Path, Query};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(resend))
        .routes(routes!(my_notices))
        .routes(routes!(read_notice))
        .routes(routes!(read_all_notices))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only those in this state (`dead`: the ones given up).
    pub state: Option<DeliveryState>,
    /// Only this job's.
    pub work_order: Option<WorkOrderId>,
    /// Only this complaint's.
    pub complaint: Option<ComplaintId>,
    /// Only those to this webhook (its delivery log).
    pub webhook: Option<uuid::Uuid>,
    /// At most this many, newest first (default 100, at most 500).
    pub limit: Option<u32>,
}

/// Notifications to customers, newest first: each event of each job and complaint on each
/// channel.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationQuery),
    responses((status = 200, body = Vec<Delivery>), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<NotificationQuery>,
) -> Result<axum::Json<Vec<Delivery>>> {
    user.require_desk("see the notifications sent to customers")?;
    let limit = q.limit.unwrap_or(100).min(500);
    let about = match (q.work_order, q.complaint) {
        (Some(w), None) => Some(NoticeSubject::WorkOrder(w)),
        (None, Some(c)) => Some(NoticeSubject::Complaint(c)),
        (None, None) => None,
        (Some(_), Some(_)) => {
            return Err(Error::bad_request(
                "invalid_query",
                "ask for one job's notices or one complaint's, not both",
            ));
        }
    };
    Ok(axum::Json(
        state
            .run(move |s| s.deliveries(q.state, about, q.webhook, limit))
            .await?,
    ))
}

/// Sends a dead notification again (the address was fixed, the mail server is back).
#[utoipa::path(post, path = "/api/v1/notifications/{id}/resend", tag = "notifications",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Delivery), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn resend(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<uuid::Uuid>,
) -> Result<axum::Json<Delivery>> {
    user.require_desk("resend a notification")?;
    let now = state.now();
    Ok(axum::Json(
        state.run(move |s| s.resend_delivery(id, now)).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyNoticesQuery {
    /// Only those not read yet.
    #[serde(default)]
    pub unread: bool,
}

/// The signed-in user's own notices (the bell): jobs given to them, complaints escalated to
/// their level or handed to them; newest first, at most 100.
#[utoipa::path(get, path = "/api/v1/me/notices", tag = "notifications", params(MyNoticesQuery),
    responses((status = 200, body = Vec<StaffNotice>), (status = 401, body = ErrorBody)))]
async fn my_notices(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<MyNoticesQuery>,
) -> Result<axum::Json<Vec<StaffNotice>>> {
    let me = user.actor().user;
    Ok(axum::Json(
        state
            .run(move |s| s.staff_notices(me, q.unread, 100))
            .await?,
    ))
}

/// Marks one of the user's notices read (another's is not theirs to touch: nothing changes).
#[utoipa::path(post, path = "/api/v1/me/notices/{id}/read", tag = "notifications",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn read_notice(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<uuid::Uuid>,
) -> Result<StatusCode> {
    let (me, now) = (user.actor().user, state.now());
    state
        .run(move |s| s.read_staff_notices(me, Some(id), now))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks all of the user's notices read.
#[utoipa::path(post, path = "/api/v1/me/notices/read", tag = "notifications",
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn read_all_notices(State(state): State<AppState>, user: SignedIn) -> Result<StatusCode> {
    let (me, now) = (user.actor().user, state.now());
    state
        .run(move |s| s.read_staff_notices(me, None, now))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
