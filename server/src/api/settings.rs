//! Settings the service organisation changes from its screens: where automatic assignment is
//! on, and the fault, cause and resolution codes. What is saved here replaces the settings
//! file's value (or the built-in code book); until something is saved, that holds (version 0).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fixline_core::auto_assign::{AutoAssignPolicy, AutoAssignSettings};
use fixline_core::fault_code::{CodeBook, CodeBookSettings};
use fixline_core::role::Role;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, required_if_match, versioned};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};

const AUTO_ASSIGN: &str = "auto_assign";
const CODE_BOOK: &str = "fault_codes";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auto_assign, save_auto_assign))
        .routes(routes!(fault_codes, save_fault_codes))
}

/// The fault, cause and resolution codes in force: as saved from the screen, else built in.
pub fn code_book(store: &dyn crate::store::Store) -> Result<CodeBookSettings> {
    Ok(match store.setting(CODE_BOOK)? {
        Some((doc, version)) => CodeBookSettings {
            book: serde_json::from_value(doc)
                .map_err(|e| Error::Internal(format!("unreadable code book: {e}")))?,
            version,
        },
        None => CodeBookSettings {
            book: CodeBook::builtin(),
            version: 0,
        },
    })
}

/// The fault, cause and resolution codes a completion is coded with, retired ones included
/// (marked). Everyone signed in reads them: the engineer's device keeps them for offline work.
#[utoipa::path(get, path = "/api/v1/settings/fault-codes", tag = "settings",
    responses((status = 200, body = CodeBookSettings)))]
async fn fault_codes(State(state): State<AppState>, _user: SignedIn) -> Result<Response> {
    let settings = state.run(code_book).await?;
    Ok(versioned(StatusCode::OK, settings.version, settings))
}

/// Saves the code lists (service manager or admin) at the version shown (`If-Match`; `"0"`
/// over the built-in book). Codes are added and retired, never removed.
#[utoipa::path(put, path = "/api/v1/settings/fault-codes", tag = "settings", request_body = CodeBook,
    responses((status = 200, body = CodeBookSettings), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn save_fault_codes(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Json(book): Json<CodeBook>,
) -> Result<Response> {
    user.require(
        &[Role::ServiceManager, Role::Admin],
        "change the fault, cause and resolution codes",
    )?;
    let expected = required_if_match(&headers)?;
    let (by, now) = (user.actor().user, state.now());
    let saved = state
        .run(move |s| {
            // Checked against the book in force, so a code in use is never dropped.
            let book = book.validated(&code_book(s)?.book)?;
            let doc = serde_json::to_value(&book)
                .map_err(|e| Error::Internal(format!("code book: {e}")))?;
            let version = s.put_setting(CODE_BOOK, &doc, expected, by, now)?;
            Ok(CodeBookSettings { book, version })
        })
        .await?;
    Ok(versioned(StatusCode::OK, saved.version, saved))
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
