//! Device sync: engineers' devices push the actions they took (online or offline) and pull what
//! changed in their scope; the desk sees the conflicts offline work ran into.

use axum::extract::State;
use fixline_core::role::Role;
use fixline_core::sync::{
    PUSH_BATCH_MAX, PullPage, PushRequest, PushResponse, SyncConflict, SyncCursor,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, Query};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};
use crate::store::Visibility;
pub use fixline_api::sync::PullRequest;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(push))
        .routes(routes!(pull))
        .routes(routes!(conflicts))
}

/// Apply a device's actions, in order, each at most once. Every action gets its own outcome
/// (applied, conflict or rejected), and one refused action never stops the ones after it; a
/// repeated action id gets the answer it got the first time, and an id that already stands for
/// a different action is refused (`action_id_reused`). An action dated before its job existed
/// is refused.
/// An action whose time is ahead of the server's clock is answered `clock_ahead` and not stored,
/// so the device can send it again once its clock is right.
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn push(
    State(state): State<AppState>,
    user: SignedIn,
    Json(request): Json<PushRequest>,
) -> Result<axum::Json<PushResponse>> {
    user.require(&[Role::Engineer], "push device actions")?;
    if request.actions.len() > PUSH_BATCH_MAX {
        return Err(Error::bad_request(
            "batch_too_large",
            format!(
                "a push may carry at most {PUSH_BATCH_MAX} actions, not {}",
                request.actions.len()
            ),
        ));
    }
    let results = crate::ops::sync::push(&state, &user, request.actions).await?;
    Ok(axum::Json(PushResponse { results }))
}

/// The next page of what the engineer's device needs: first a snapshot of their jobs, customer
/// files, guides and colleagues, then every change since. Store the records, then the cursor.
#[utoipa::path(post, path = "/api/v1/sync/pull", tag = "sync", request_body = PullRequest,
    responses((status = 200, body = PullPage), (status = 403, body = ErrorBody)))]
async fn pull(
    State(state): State<AppState>,
    user: SignedIn,
    Json(request): Json<PullRequest>,
) -> Result<axum::Json<PullPage>> {
    let Visibility::Engineer(me) = user.visibility() else {
        return Err(Error::forbidden(
            "device sync is for engineers' devices; the desk uses the API and the live stream",
        ));
    };
    let cursor = request.cursor.unwrap_or(SyncCursor::START);
    let limit = request.limit.unwrap_or(200);
    Ok(axum::Json(
        state.run(move |s| s.pull(me, cursor, limit)).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConflictQuery {
    /// At most this many, newest first (default 100).
    pub limit: Option<u32>,
}

/// Offline actions that clashed with the desk: all of them for the desk, an engineer's own for
/// an engineer.
#[utoipa::path(get, path = "/api/v1/sync/conflicts", tag = "sync", params(ConflictQuery),
    responses((status = 200, body = Vec<SyncConflict>), (status = 403, body = ErrorBody)))]
async fn conflicts(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<ConflictQuery>,
) -> Result<axum::Json<Vec<SyncConflict>>> {
    let engineer = match user.visibility() {
        Visibility::Engineer(me) => Some(me),
        Visibility::All => None,
    };
    let limit = q.limit.unwrap_or(100);
    Ok(axum::Json(
        state.run(move |s| s.conflicts(engineer, limit)).await?,
    ))
}
