//! Requests held for the desk: an outside channel's request (the public web form, a partner's
//! API) that matched a customer on file waits here. The desk sees what the caller wrote beside
//! the customer it matched, and files it to that customer's site, to a new customer, or turns it
//! down. Only then is anything written into a customer's file.

use axum::extract::{Path, Query, State};
use fixline_core::ids::PendingIntakeId;
use fixline_core::intake::{Filing, PendingIntake, PendingState};
use fixline_core::role::Role;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::Json;
use super::intake::{create, pending_reference};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};
use crate::store::{Attach, PendingResolution, Taken};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(file))
}

/// Who takes in requests at the desk.
const INTAKE_ROLES: [Role; 4] = [
    Role::Dispatcher,
    Role::ServiceManager,
    Role::ComplaintHandler,
    Role::Admin,
];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Also those already filed or turned down.
    #[serde(default)]
    all: bool,
}

/// Held requests, oldest first (only those waiting unless `all`).
#[utoipa::path(get, path = "/api/v1/pending-intakes", tag = "intake", params(ListQuery),
    responses((status = 200, body = Vec<PendingIntake>), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Vec<PendingIntake>>> {
    user.require(&INTAKE_ROLES, "see held requests")?;
    Ok(axum::Json(
        state.run(move |s| s.pending_intakes(q.all)).await?,
    ))
}

/// Files a held request: to the customer it matched (at a site of theirs), to a new customer
/// made from the caller's details, or not at all. Filing twice the same way answers the same.
#[utoipa::path(post, path = "/api/v1/pending-intakes/{id}/file", tag = "intake", params(("id" = uuid::Uuid, Path)),
    request_body = Filing,
    responses((status = 200, body = PendingIntake), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn file(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<PendingIntakeId>,
    Json(filing): Json<Filing>,
) -> Result<axum::Json<PendingIntake>> {
    user.require(&INTAKE_ROLES, "file held requests")?;
    let pending = state.run(move |s| s.pending_intake(id)).await?;
    let now = state.now();
    let by = user.actor().user;
    let resolution = match filing {
        Filing::Reject { reason } => {
            let reason = fixline_core::text::line("reason", &reason, fixline_core::text::LINE_MAX)?;
            PendingResolution::Rejected(reason)
        }
        filing => {
            if pending.state == PendingState::Rejected {
                return Err(Error::Conflict(
                    "this request was already turned down".to_owned(),
                ));
            }
            let mut req = pending.request.clone();
            req.serial = None;
            let attach = match filing {
                Filing::Customer {
                    customer_id,
                    site_id,
                    asset_id,
                } => {
                    (req.customer_id, req.site_id, req.asset_id) =
                        (Some(customer_id), Some(site_id), asset_id);
                    req.caller = None;
                    Attach::Known
                }
                _ => {
                    if req.caller.is_none() {
                        return Err(Error::bad_request(
                            "invalid_input",
                            "the request has no caller details to make a customer from",
                        ));
                    }
                    (req.customer_id, req.site_id, req.asset_id) = (None, None, None);
                    Attach::NewCustomer
                }
            };
            // Keyed by the held request: filing it again (a double click, a retry) opens one job.
            let key = Some(format!("pending:{id}"));
            let (taken, _) = create(
                &state,
                pending.channel,
                key,
                Some(user.actor()),
                req,
                attach,
            )
            .await?;
            match taken {
                Taken::Opened(wo) => PendingResolution::Filed(wo.id),
                Taken::Held(_) => {
                    return Err(Error::Internal(format!(
                        "held request {} was held again",
                        pending_reference(id)
                    )));
                }
            }
        }
    };
    Ok(axum::Json(
        state
            .run(move |s| s.resolve_pending_intake(id, resolution, by, now))
            .await?,
    ))
}
