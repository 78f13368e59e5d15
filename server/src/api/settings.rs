//! Settings the service organisation changes from its screens: where automatic assignment is
//! on, the fault, cause and resolution codes, and the wording of customer notices. What is
//! saved here replaces the settings file's value (or the built-in code book or wording); until
//! something is saved, that holds (version 0).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fixline_api::notices::{
    CreatedWebhook, NoticeTemplate, NoticeTemplates, RenderedNotice, WebhookDraft, WebhookSettings,
};
use fixline_core::auto_assign::{AutoAssignPolicy, AutoAssignSettings};
use fixline_core::fault_code::{CodeBook, CodeBookSettings};
use fixline_core::notify::Webhook;
use fixline_core::role::Role;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, Path, required_if_match, versioned};
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};
use crate::ops::settings::{AUTO_ASSIGN, CODE_BOOK, auto_assign_policy, code_book, save};
use crate::{AppState, notify, webhooks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auto_assign, save_auto_assign))
        .routes(routes!(fault_codes, save_fault_codes))
        .routes(routes!(notice_templates, save_notice_templates))
        .routes(routes!(preview_notice))
        .routes(routes!(list_webhooks, add_webhook))
        .routes(routes!(change_webhook))
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
            let version = save(s, CODE_BOOK, &book, expected, by, now)?;
            Ok(CodeBookSettings { book, version })
        })
        .await?;
    Ok(versioned(StatusCode::OK, saved.version, saved))
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
    let (by, now) = (user.actor().user, state.now());
    let saved = policy.clone();
    let version = state
        .run(move |s| save(s, AUTO_ASSIGN, &saved, expected, by, now))
        .await?;
    Ok(versioned(
        StatusCode::OK,
        version,
        AutoAssignSettings { policy, version },
    ))
}

/// Every customer notice's wording in force: the built-in one unless changed here.
#[utoipa::path(get, path = "/api/v1/settings/notice-templates", tag = "settings",
    responses((status = 200, body = NoticeTemplates), (status = 403, body = ErrorBody)))]
async fn notice_templates(State(state): State<AppState>, user: SignedIn) -> Result<Response> {
    user.require_desk("see the customer notices' wording")?;
    let (saved, version) = state.run(notify::saved_wording).await?;
    let templates = notify::in_force(&saved);
    Ok(versioned(
        StatusCode::OK,
        version,
        NoticeTemplates { templates, version },
    ))
}

/// Saves the changed wording (service manager or admin) at the version shown (`If-Match`;
/// `"0"` over the built-in wording): each template must parse and render a sample job, or
/// nothing is saved. A template left out, or sent as built in, is the built-in one again.
#[utoipa::path(put, path = "/api/v1/settings/notice-templates", tag = "settings", request_body = Vec<NoticeTemplate>,
    responses((status = 200, body = NoticeTemplates), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn save_notice_templates(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Json(changed): Json<Vec<NoticeTemplate>>,
) -> Result<Response> {
    user.require(
        &[Role::ServiceManager, Role::Admin],
        "change the wording of customer notices",
    )?;
    let expected = required_if_match(&headers)?;
    let built_in = notify::built_in();
    let mut own: Vec<NoticeTemplate> = Vec::new();
    for t in changed {
        if own.iter().any(|o| o.same_slot(&t)) {
            return Err(Error::bad_request_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_template",
                format!(
                    "the {} {} template is given twice",
                    t.event.as_str(),
                    t.channel.as_str()
                ),
            ));
        }
        let brand = &state.config().receipts.settings.brand;
        notify::preview(&t, &brand.name, &brand.phone)?;
        if !built_in.contains(&t) {
            own.push(t);
        }
    }
    let (by, now) = (user.actor().user, state.now());
    let saved = own.clone();
    let version = state
        .run(move |s| save(s, notify::WORDING, &saved, expected, by, now))
        .await?;
    let templates = notify::in_force(&own);
    Ok(versioned(
        StatusCode::OK,
        version,
        NoticeTemplates { templates, version },
    ))
}

/// A template rendered with a sample job, as the customer would read it (nothing is saved).
#[utoipa::path(post, path = "/api/v1/settings/notice-templates/preview", tag = "settings", request_body = NoticeTemplate,
    responses((status = 200, body = RenderedNotice), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn preview_notice(
    State(state): State<AppState>,
    user: SignedIn,
    Json(template): Json<NoticeTemplate>,
) -> Result<axum::Json<RenderedNotice>> {
    user.require_desk("preview the wording of customer notices")?;
    let brand = &state.config().receipts.settings.brand;
    Ok(axum::Json(notify::preview(
        &template,
        &brand.name,
        &brand.phone,
    )?))
}

fn webhook_list(stored: &[webhooks::Stored], version: u64) -> WebhookSettings {
    WebhookSettings {
        webhooks: stored.iter().map(|s| s.webhook.clone()).collect(),
        version,
    }
}

/// The integrations told of customer-facing events (admin). What each was sent is in
/// `GET /api/v1/notifications?webhook={id}`.
#[utoipa::path(get, path = "/api/v1/settings/webhooks", tag = "settings",
    responses((status = 200, body = WebhookSettings), (status = 403, body = ErrorBody)))]
async fn list_webhooks(State(state): State<AppState>, user: SignedIn) -> Result<Response> {
    user.require(&[Role::Admin], "see the integrations' webhooks")?;
    let (stored, version) = state.run(webhooks::all).await?;
    Ok(versioned(
        StatusCode::OK,
        version,
        webhook_list(&stored, version),
    ))
}

/// Adds a webhook (admin): it gets the events asked for from now on, each signed with the
/// secret answered here, once.
#[utoipa::path(post, path = "/api/v1/settings/webhooks", tag = "settings", request_body = WebhookDraft,
    responses((status = 201, body = CreatedWebhook), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn add_webhook(
    State(state): State<AppState>,
    user: SignedIn,
    Json(draft): Json<WebhookDraft>,
) -> Result<Response> {
    user.require(&[Role::Admin], "add an integration's webhook")?;
    let webhook = Webhook {
        id: uuid::Uuid::now_v7(),
        name: draft.name,
        url: draft.url,
        events: draft.events,
        active: draft.active,
    }
    .validated()?;
    let secret = webhooks::new_secret();
    let (by, now) = (user.actor().user, state.now());
    let stored = webhooks::Stored {
        webhook: webhook.clone(),
        secret: secret.clone(),
    };
    let version = state
        .run(move |s| {
            let (mut all, version) = webhooks::all(s)?;
            all.push(stored);
            save(s, webhooks::SETTING, &all, version, by, now)
        })
        .await?;
    Ok(versioned(
        StatusCode::CREATED,
        version,
        CreatedWebhook {
            webhook,
            secret,
            version,
        },
    ))
}

/// Changes a webhook (admin) at the version shown (`If-Match`): its name, address, events, or
/// pauses it (what waits for a paused one is skipped) and resumes it. The secret stays.
#[utoipa::path(put, path = "/api/v1/settings/webhooks/{id}", tag = "settings", request_body = WebhookDraft,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = WebhookSettings), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn change_webhook(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
    Json(draft): Json<WebhookDraft>,
) -> Result<Response> {
    user.require(&[Role::Admin], "change an integration's webhook")?;
    let expected = required_if_match(&headers)?;
    let changed = Webhook {
        id,
        name: draft.name,
        url: draft.url,
        events: draft.events,
        active: draft.active,
    }
    .validated()?;
    let (by, now) = (user.actor().user, state.now());
    let (stored, version) = state
        .run(move |s| {
            let (mut all, _) = webhooks::all(s)?;
            let Some(one) = all.iter_mut().find(|h| h.webhook.id == id) else {
                return Err(Error::not_found("webhook", id));
            };
            one.webhook = changed;
            let version = save(s, webhooks::SETTING, &all, expected, by, now)?;
            Ok((all, version))
        })
        .await?;
    Ok(versioned(
        StatusCode::OK,
        version,
        webhook_list(&stored, version),
    ))
}
