//! Settings the service organisation changes from its screens: where automatic assignment is
//! on. What is saved here replaces the settings file's value; until something is saved, the
//! file's holds (version 0).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fixline_core::auto_assign::{AutoAssignPolicy, AutoAssignSettings};
use fixline_core::role::Role;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, required_if_match, versioned};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};

const AUTO_ASSIGN: &str = "auto_assign";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(auto_assign, save_auto_assign))
}

/// The automatic-assignment policy in force, from the screen if saved there, else the file.
pub fn auto_assign_policy(
    store: &dyn crate::store::Store,
    file: &AutoAssignPolicy,
) -> Result<AutoAssignSettings> {
    Ok(match store.setting(AUTO_ASSIGN)? {
        Some((doc, version)) => AutoAssignSettings {
            policy: serde_json::from_value(doc)
                .map_err(|e| Error::Internal(format!("unreadable auto-assign setting: {e}")))?,
            version,
        },
        None => AutoAssignSettings {
            policy: file.clone(),
            version: 0,
        },
    })
}

/// Where automatic assignment is on.
#[utoipa::path(get, path = "/api/v1/settings/auto-assign", tag = "settings",
    responses((status = 200, body = AutoAssignSettings), (status = 403, body = ErrorBody)))]
async fn auto_assign(State(state): State<AppState>, user: SignedIn) -> Result<Response> {
    user.require_desk("see the dispatch settings")?;
    let file = state.config().dispatch.auto_assign.clone();
    let settings = state.run(move |s| auto_assign_policy(s, &file)).await?;
    Ok(versioned(StatusCode::OK, settings.version, settings))
}

/// Switches automatic assignment per category and region (service manager or admin), at the
/// version shown (`If-Match`; `"0"` over the settings file's policy).
#[utoipa::path(put, path = "/api/v1/settings/auto-assign", tag = "settings", request_body = AutoAssignPolicy,
    responses((status = 200, body = AutoAssignSettings), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn save_auto_assign(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Json(policy): Json<AutoAssignPolicy>,
) -> Result<Response> {
    user.require(
        &[Role::ServiceManager, Role::Admin],
        "change where jobs are assigned automatically",
    )?;
    let expected = required_if_match(&headers)?;
    let policy = policy.validated()?;
    let doc = serde_json::to_value(&policy)
        .map_err(|e| Error::Internal(format!("auto-assign setting: {e}")))?;
    let (by, now) = (user.actor().user, state.now());
    let version = state
        .run(move |s| s.put_setting(AUTO_ASSIGN, &doc, expected, by, now))
        .await?;
    Ok(versioned(
        StatusCode::OK,
        version,
        AutoAssignSettings { policy, version },
    ))
}
