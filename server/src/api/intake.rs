//! Intake from every channel. Outside systems (e-mail gateway, WeChat bot, partner APIs) post to
//! `/api/v1/intake` with their channel's API key; the public web form at `/intake` needs none.
//! A repeated `Idempotency-Key` from the same channel yields the same work order.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use fixline_core::ids::PendingIntakeId;
use fixline_core::role::{Actor, Role};
use fixline_core::security::{IntakeKeyInfo, SecurityEvent, SecurityEventKind};
use fixline_core::work_order::{IntakeChannel, WorkOrder, WorkOrderRequest};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::extract::{Form, Json, Path};
use crate::AppState;
use crate::auth::{self, SignedIn};
use crate::error::{Error, ErrorBody, Result};
use crate::store::{Attach, Caller, IntakeRequest, Taken, TargetSpec, WorkOrderIntake};
pub use fixline_api::intake::{IntakeKey, NewIntakeKey};
pub use fixline_core::intake::IntakeReceipt;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(intake))
        .routes(routes!(create_intake_key, list_intake_keys))
        .routes(routes!(revoke_intake_key))
}

pub fn form_routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/intake", get(form_page).post(form_submit))
        .route("/intake/done/{number}", get(done_page))
        .route("/intake/held/{reference}", get(held_page))
}

/// The receipt for what intake made of a request.
fn receipt(taken: &Taken, duplicate: bool) -> IntakeReceipt {
    match taken {
        Taken::Opened(wo) => IntakeReceipt {
            work_order_id: Some(wo.id),
            number: Some(wo.number.clone()),
            status: Some(wo.status),
            pending_intake_id: None,
            duplicate,
        },
        Taken::Held(p) => IntakeReceipt {
            work_order_id: None,
            number: None,
            status: None,
            pending_intake_id: Some(p.id),
            duplicate,
        },
    }
}

/// Creates (or, for a repeated key, finds) the work order for a request; 202 when it is held.
pub async fn take_in(
    state: &AppState,
    channel: IntakeChannel,
    key: Option<String>,
    actor: Option<Actor>,
    req: IntakeRequest,
) -> Result<Response> {
    // Only the desk files into a customer's file; outside channels are held when they match.
    let attach = match actor {
        Some(_) => Attach::Known,
        None => Attach::Hold,
    };
    let (taken, duplicate) = create(state, channel, key, actor, req, attach).await?;
    let status = match (&taken, duplicate) {
        (_, true) => StatusCode::OK,
        (Taken::Opened(_), false) => StatusCode::CREATED,
        (Taken::Held(_), false) => StatusCode::ACCEPTED,
    };
    Ok((status, axum::Json(receipt(&taken, duplicate))).into_response())
}

/// Takes in one request: resolves (or holds) its customer, numbers and opens the work order.
pub(crate) async fn create(
    state: &AppState,
    channel: IntakeChannel,
    key: Option<String>,
    actor: Option<Actor>,
    req: IntakeRequest,
    attach: Attach,
) -> Result<(Taken, bool)> {
    let ids = match (req.customer_id, req.site_id) {
        (Some(c), Some(s)) => Some((c, s, req.asset_id)),
        (None, None) => None,
        _ => {
            return Err(Error::bad_request(
                "invalid_input",
                "give both customer_id and site_id, or neither",
            ));
        }
    };
    let target = TargetSpec {
        serial: req.serial.clone(),
        ids,
        caller: req.caller.clone(),
        attach,
    };
    let policy = state.sla_policy().clone();
    let area = state.config().service_area.clone();
    let now = state.now();
    let request = req.clone();
    let follower = req.wechat_follower()?;
    let build = Box::new(move |t: &crate::store::ServiceTarget, number: String| {
        let request = WorkOrderRequest {
            customer_id: t.customer.id,
            site_id: t.site.id,
            asset_id: t.asset.as_ref().map(|a| a.id),
            category: req
                .category
                .or_else(|| t.asset.as_ref().map(|a| a.details.category.clone()))
                .unwrap_or_else(|| "general".to_owned()),
            priority: req.priority.unwrap_or_default(),
            symptom: req.symptom,
            requested_window: req.requested_window,
        };
        let tier = t
            .asset
            .as_ref()
            .map_or(t.customer.details.tier, |a| a.effective_tier(&t.customer));
        let mut wo = WorkOrder::open(
            fixline_core::ids::WorkOrderId::from_uuid(Uuid::now_v7()),
            number,
            request,
            channel,
            now,
            fixline_core::sla::SlaTerms {
                tier,
                policy: &policy,
                time_zone: area.zone_of(&t.site.details.region),
            },
        )?;
        wo.wechat_openid = follower.clone();
        Ok(wo)
    });
    let intake = WorkOrderIntake {
        channel,
        idempotency_key: key,
        actor,
        target,
        request,
        build,
    };
    let (taken, duplicate) = state.run(move |s| s.create_work_order(intake, now)).await?;
    match (taken, duplicate) {
        (Taken::Opened(wo), false) => {
            let id = wo.id;
            // A new caller's site has no position yet: the geocoder looks for it.
            crate::geocode::place_later(state, wo.site_id);
            crate::ops::auto_assign::after_change(state, id).await;
            // As it stands now (assigned or in the pool, if that was automatic).
            let wo = state.run(move |s| s.work_order(id)).await?;
            Ok((Taken::Opened(Box::new(wo)), false))
        }
        other => Ok(other),
    }
}

/// A request from an outside channel, authenticated by the channel's API key (`X-Api-Key`).
#[utoipa::path(post, path = "/api/v1/intake", tag = "intake", security(("api_key" = [])), request_body = IntakeRequest,
    params(("X-Api-Key" = String, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = IntakeReceipt), (status = 200, description = "repeated idempotency key", body = IntakeReceipt),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn intake(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<IntakeRequest>,
) -> Result<Response> {
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .ok_or(Error::Unauthenticated(
            "an intake channel sends its X-Api-Key",
        ))?;
    let hash = auth::secret_hash(key);
    // Each partner's keys are its own: two partners on one channel may both send "1".
    let scope = fixline_core::security::key_id(&hash);
    let channel = state
        .run(move |s| s.intake_channel_for_key(&hash))
        .await?
        .ok_or(Error::Unauthenticated("unknown intake API key"))?;
    let idempotency = idempotency_key(&headers, &format!("key:{scope}"))?;
    take_in(&state, channel, idempotency, None, req).await
}

/// The request's `Idempotency-Key`, checked, and scoped to who sent it (an API key, a user):
/// the same key from someone else is another request.
pub(crate) fn idempotency_key(headers: &HeaderMap, scope: &str) -> Result<Option<String>> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().map_err(|_| {
        Error::bad_request("invalid_idempotency_key", "Idempotency-Key must be ASCII")
    })?;
    if key.is_empty() || key.len() > 200 {
        return Err(Error::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 200 characters",
        ));
    }
    Ok(Some(format!("{scope}/{key}")))
}

/// Issue an API key for an intake channel (admin).
#[utoipa::path(post, path = "/api/v1/intake-keys", tag = "intake", request_body = NewIntakeKey,
    responses((status = 201, body = IntakeKey), (status = 403, body = ErrorBody)))]
async fn create_intake_key(
    State(state): State<AppState>,
    user: SignedIn,
    parts: axum::http::request::Parts,
    Json(new): Json<NewIntakeKey>,
) -> Result<Response> {
    user.require(&[Role::Admin], "issue intake keys")?;
    let key = issue_key(&state, new.channel, new.label).await?;
    let event = super::session::security_event(
        &state,
        &parts,
        SecurityEventKind::IntakeKeyAdded,
        Some(&user),
        Some(format!("{} ({})", key.label, key.channel.as_str())),
    );
    state.run(move |s| s.record_security_event(&event)).await?;
    Ok((StatusCode::CREATED, axum::Json(key)).into_response())
}

/// The intake channels' API keys, without their secrets (admin).
#[utoipa::path(get, path = "/api/v1/intake-keys", tag = "intake",
    responses((status = 200, body = Vec<IntakeKeyInfo>), (status = 403, body = ErrorBody)))]
async fn list_intake_keys(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<axum::Json<Vec<IntakeKeyInfo>>> {
    user.require(&[Role::Admin], "list intake keys")?;
    Ok(axum::Json(state.run(|s| s.intake_keys()).await?))
}

/// Revoke an intake channel's API key (admin): requests sent with it are refused from now on.
#[utoipa::path(post, path = "/api/v1/intake-keys/{id}/revoke", tag = "intake",
    params(("id" = String, Path, description = "the key's id from the list")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_intake_key(
    State(state): State<AppState>,
    user: SignedIn,
    parts: axum::http::request::Parts,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    user.require(&[Role::Admin], "revoke intake keys")?;
    let event = super::session::security_event(
        &state,
        &parts,
        SecurityEventKind::IntakeKeyRevoked,
        Some(&user),
        None,
    );
    state
        .run(move |s| {
            let label = s
                .intake_keys()?
                .into_iter()
                .find(|k| k.id == id)
                .map(|k| format!("{} ({})", k.label, k.channel.as_str()));
            let event = SecurityEvent {
                subject: label,
                ..event
            };
            s.revoke_intake_key(&id, &event)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn issue_key(
    state: &AppState,
    channel: IntakeChannel,
    label: String,
) -> Result<IntakeKey> {
    let label = fixline_core::text::line("label", &label, 100)?;
    let (api_key, hash) = auth::new_secret();
    let stored = label.clone();
    let now = state.now();
    state
        .run(move |s| s.add_intake_key(&hash, channel, &stored, now))
        .await?;
    Ok(IntakeKey {
        channel,
        label,
        api_key,
    })
}

// ---- the public web form ------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct FormFields {
    name: String,
    phone: String,
    address: String,
    city: String,
    region: String,
    #[serde(default)]
    serial: String,
    symptom: String,
    /// Made when the page was served, so a double-clicked submit creates one work order.
    form_id: String,
}

async fn form_page() -> Html<String> {
    Html(render_form(&auth::new_secret().0, None))
}

async fn form_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<FormFields>,
) -> Response {
    let visitor = super::help::visitor(&headers);
    let req = IntakeRequest {
        serial: Some(f.serial.clone()).filter(|s| !s.trim().is_empty()),
        customer_id: None,
        site_id: None,
        asset_id: None,
        caller: Some(Caller {
            name: f.name.clone(),
            phone: f.phone.clone(),
            address: f.address.clone(),
            city: f.city.clone(),
            region: f.region.clone(),
        }),
        category: None,
        priority: None,
        symptom: f.symptom.clone(),
        requested_window: None,
        wechat_openid: None,
    };
    match create(
        &state,
        IntakeChannel::WebForm,
        (!f.form_id.is_empty() && f.form_id.len() <= 200).then(|| format!("form:{}", f.form_id)),
        None,
        req,
        Attach::Hold,
    )
    .await
    {
        // Post, then redirect to a page fetched by GET: a reload or Back never posts again.
        // To the request's own tracking page, to keep; a plain receipt of the number if the
        // link could not be made (the request is in all the same).
        Ok((Taken::Opened(wo), _)) => {
            let (job, now) = (wo.id, state.now());
            if let Some(visitor) = visitor {
                // What they read at /help before asking for a visit.
                if let Err(e) = state.run(move |s| s.link_help_reads(&visitor, job)).await {
                    tracing::warn!(error = %e, "help reads not linked to a request");
                }
            }
            match state
                .run(move |s| crate::ops::tracking::token(s, job, now))
                .await
            {
                Ok(token) => Redirect::to(&format!("/t/{token}?new")).into_response(),
                Err(e) => {
                    tracing::error!(error = %e, "no tracking link for a web request");
                    Redirect::to(&format!("/intake/done/{}", wo.number)).into_response()
                }
            }
        }
        // Says nothing of the customer it matched: the desk calls back to confirm.
        Ok((Taken::Held(p), _)) => {
            Redirect::to(&format!("/intake/held/{}", pending_reference(p.id))).into_response()
        }
        Err(e) => {
            let status = if matches!(
                e,
                Error::Database(_) | Error::Internal(_) | Error::Migration(_)
            ) {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let message = if status.is_server_error() {
                tracing::error!(error = %e, "web form intake failed");
                "something went wrong on our side; please call us".to_owned()
            } else {
                e.to_string()
            };
            (status, Html(render_form(&f.form_id, Some((&message, &f))))).into_response()
        }
    }
}

/// The page after a request became a work order. It only repeats the number in the address
/// (which must look like one), so it tells nothing to someone who types another.
async fn done_page(axum::extract::Path(number): axum::extract::Path<String>) -> Response {
    let looks_right = number
        .strip_prefix("WO-")
        .is_some_and(|n| !n.is_empty() && n.len() <= 12 && n.bytes().all(|b| b.is_ascii_digit()));
    answer_page(
        looks_right,
        format!(
            include_str!("intake_done.html"),
            number = html_escape(&number)
        ),
    )
}

/// The answer page, or a fresh form where the address names nothing that could be one.
fn answer_page(looks_right: bool, page: String) -> Response {
    if looks_right {
        Html(page).into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            Html(render_form(&auth::new_secret().0, None)),
        )
            .into_response()
    }
}

/// The page after a request was held for the desk; as above, only what the address says.
async fn held_page(axum::extract::Path(reference): axum::extract::Path<String>) -> Response {
    let looks_right = reference.len() == 8
        && reference
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'));
    answer_page(
        looks_right,
        format!(
            include_str!("intake_held.html"),
            reference = html_escape(&reference)
        ),
    )
}

/// What a caller quotes for a held request: the random tail of its id (a v7 id starts with
/// the time, shared by requests of the same minute).
pub(crate) fn pending_reference(id: PendingIntakeId) -> String {
    let id = id.as_uuid().simple().to_string();
    id[id.len() - 8..].to_uppercase()
}

fn render_form(form_id: &str, error: Option<(&str, &FormFields)>) -> String {
    let value =
        |get: fn(&FormFields) -> &str| error.map_or(String::new(), |(_, f)| html_escape(get(f)));
    let error_html = error.map_or(String::new(), |(msg, _)| {
        format!(r#"<p class="error" role="alert">{}</p>"#, html_escape(msg))
    });
    format!(
        include_str!("intake_form.html"),
        error = error_html,
        form_id = html_escape(form_id),
        name = value(|f| &f.name),
        phone = value(|f| &f.phone),
        address = value(|f| &f.address),
        city = value(|f| &f.city),
        region = value(|f| &f.region),
        serial = value(|f| &f.serial),
        symptom = value(|f| &f.symptom),
    )
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
