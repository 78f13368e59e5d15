//! Photos, receipts and the blobs behind them: resumable content-addressed uploads from
//! devices, the per-job manifest devices check against, photo upload and receipt making for
//! the browser variant, e-mailing a receipt, and device seal keys.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use fixline_core::billing::Part;
use fixline_core::ids::WorkOrderId;
use fixline_core::receipt::{PhotoRef, PhotoTag, ReceiptSettings};
use fixline_core::role::Role;
use fixline_core::work_order::{Action, ActionKind, WorkOrder};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, Path, Query, versioned};
use super::work_orders::visible;
use crate::AppState;
use crate::auth::SignedIn;
use crate::blobs::BlobStatus;
use crate::error::{Error, ErrorBody, Result};
use crate::ops::receipts::{Verification, make_on_server, verify};
use crate::ops::work_orders::{self, Step};
pub use fixline_api::files::{
    DeviceKey, EmailRequest, EmailSent, Manifest, ManifestEntry, ReceiptRequest,
};
use fixline_core::security::{RegisteredDevice, SecurityEvent, SecurityEventKind};

/// Largest upload chunk; devices send 256 KB.
const MAX_CHUNK: usize = 4 * 1024 * 1024;

pub fn routes(max_photo_bytes: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(receipt_settings))
        .routes(routes!(list_parts))
        .routes(routes!(put_part))
        .routes(routes!(register_device, list_devices))
        .routes(routes!(revoke_device))
        .routes(routes!(blob_status, upload_chunk))
        .routes(routes!(blob_content))
        .routes(routes!(manifest))
        .routes(routes!(make_receipt))
        .routes(routes!(email_receipt))
        .layer(DefaultBodyLimit::max(MAX_CHUNK))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_photo))
                .layer(DefaultBodyLimit::max(max_photo_bytes)),
        )
}

#[utoipa::path(get, path = "/api/v1/receipt-settings", tag = "receipts",
    responses((status = 200, body = ReceiptSettings)))]
async fn receipt_settings(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<axum::Json<ReceiptSettings>> {
    // An engineer's device keeps the days and times of the engineer's region.
    let zone = super::session::user_zone(&state, &user).await?;
    Ok(axum::Json(state.receipt_settings(zone)))
}

/// The parts list engineers pick from (offline on devices after each sync).
#[utoipa::path(get, path = "/api/v1/parts", tag = "receipts",
    responses((status = 200, body = Vec<Part>)))]
async fn list_parts(
    State(state): State<AppState>,
    _user: SignedIn,
) -> Result<axum::Json<Vec<Part>>> {
    Ok(axum::Json(state.run(|s| s.parts()).await?))
}

#[utoipa::path(put, path = "/api/v1/parts/{part_number}", tag = "receipts",
    params(("part_number" = String, Path)), request_body = Part,
    responses((status = 200, body = Part), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_part(
    State(state): State<AppState>,
    user: SignedIn,
    Path(part_number): Path<String>,
    Json(part): Json<Part>,
) -> Result<axum::Json<Part>> {
    user.require(
        &[Role::ServiceManager, Role::Dispatcher, Role::Admin],
        "edit the parts list",
    )?;
    if part.part_number != part_number {
        return Err(Error::bad_request_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "the part number in the body differs from the one in the path",
        ));
    }
    part.validate()?;
    let stored = part.clone();
    let now = state.now();
    state.run(move |s| s.put_part(&stored, now)).await?;
    Ok(axum::Json(part))
}

#[utoipa::path(post, path = "/api/v1/devices", tag = "receipts", request_body = DeviceKey,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn register_device(
    State(state): State<AppState>,
    user: SignedIn,
    parts: axum::http::request::Parts,
    Json(key): Json<DeviceKey>,
) -> Result<StatusCode> {
    let valid = key.public_key.len() == 64
        && key
            .public_key
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !valid {
        return Err(Error::bad_request_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "public_key must be 64 lowercase hex digits",
        ));
    }
    let name = fixline_core::text::line("name", &key.name, 80).unwrap_or_default();
    let id = user.0.id;
    let now = state.now();
    let event = super::session::security_event(
        &state,
        &parts,
        SecurityEventKind::DeviceKeyRegistered,
        None,
        Some(user.0.username.clone()),
    );
    state
        .run(move |s| {
            if s.register_device_key(&key.public_key, id, &name, now)? {
                s.record_security_event(&event)?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every registered device key, newest first (admin).
#[utoipa::path(get, path = "/api/v1/devices", tag = "receipts",
    responses((status = 200, body = Vec<RegisteredDevice>), (status = 403, body = ErrorBody)))]
async fn list_devices(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<axum::Json<Vec<RegisteredDevice>>> {
    user.require(&[Role::Admin], "list device keys")?;
    Ok(axum::Json(state.run(|s| s.device_keys()).await?))
}

/// Revoke a device's seal key (admin): from now on it seals nothing the server takes, and a
/// receipt it seals after now does not verify; receipts it sealed before still do. The app
/// makes itself a new key at its next sync.
#[utoipa::path(post, path = "/api/v1/devices/{public_key}/revoke", tag = "receipts",
    params(("public_key" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_device(
    State(state): State<AppState>,
    user: SignedIn,
    parts: axum::http::request::Parts,
    Path(public_key): Path<String>,
) -> Result<StatusCode> {
    user.require(&[Role::Admin], "revoke device keys")?;
    let event = super::session::security_event(
        &state,
        &parts,
        SecurityEventKind::DeviceKeyRevoked,
        Some(&user),
        None,
    );
    state
        .run(move |s| {
            let owner = s
                .device_keys()?
                .into_iter()
                .find(|d| d.public_key == public_key)
                .map(|d| format!("{} ({})", d.username, d.name));
            let event = SecurityEvent {
                subject: owner,
                ..event
            };
            s.revoke_device_key(&public_key, &event)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/blobs/{sha256}", tag = "receipts",
    params(("sha256" = String, Path)),
    responses((status = 200, body = BlobStatus), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn blob_status(
    State(state): State<AppState>,
    user: SignedIn,
    Path(sha256): Path<String>,
) -> Result<axum::Json<BlobStatus>> {
    if let crate::store::Visibility::Engineer(_) = user.visibility() {
        own_jobs_naming(&state, &user, &sha256).await?;
    }
    let blobs = state.blobs().clone();
    let me = user.0.id.to_string();
    Ok(axum::Json(
        tokio::task::spawn_blocking(move || blobs.status(&me, &sha256)).await??,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChunkQuery {
    /// Where this chunk starts; must equal what the server has (see GET).
    pub offset: u64,
    /// The blob's full size.
    pub total: u64,
}

#[utoipa::path(put, path = "/api/v1/blobs/{sha256}", tag = "receipts",
    params(("sha256" = String, Path), ChunkQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = BlobStatus), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_chunk(
    State(state): State<AppState>,
    user: SignedIn,
    Path(sha256): Path<String>,
    Query(q): Query<ChunkQuery>,
    body: Bytes,
) -> Result<axum::Json<BlobStatus>> {
    // Devices upload what their engineers' jobs name; the desk's files are made by the server.
    user.require(&[Role::Engineer], "upload files")?;
    let jobs = own_jobs_naming(&state, &user, &sha256).await?;
    let blobs = state.blobs().clone();
    let name = sha256.clone();
    let me = user.0.id.to_string();
    let status =
        tokio::task::spawn_blocking(move || blobs.append(&me, &name, q.offset, q.total, &body))
            .await??;
    if status.complete {
        let (by, now) = (user.0.id, state.now());
        state
            .run(move |s| s.record_blob_jobs(&sha256, &jobs, Some(by), now))
            .await?;
    }
    Ok(axum::Json(status))
}

/// The signed-in engineer's jobs that name a file. Asking about or uploading a file is only
/// for one of them: the action that names the file reaches the server first.
async fn own_jobs_naming(
    state: &AppState,
    user: &SignedIn,
    sha256: &str,
) -> Result<Vec<WorkOrderId>> {
    let me = user.actor().engineer;
    let name = sha256.to_owned();
    let jobs: Vec<WorkOrderId> = state
        .run(move |s| s.work_orders_naming_blob(&name))
        .await?
        .into_iter()
        .filter(|wo| me.is_some() && wo.assignee == me)
        .map(|wo| wo.id)
        .collect();
    if jobs.is_empty() {
        return Err(Error::not_found("file of one of your jobs", sha256));
    }
    Ok(jobs)
}

#[utoipa::path(get, path = "/api/v1/blobs/{sha256}/content", tag = "receipts",
    params(("sha256" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
async fn blob_content(
    State(state): State<AppState>,
    user: SignedIn,
    Path(sha256): Path<String>,
) -> Result<Response> {
    // A file is seen by the desk, or by the engineer holding a job its bytes reached the server
    // for (not one that only names it: a hash copied onto one's own job shows nothing).
    if let crate::store::Visibility::Engineer(me) = user.visibility() {
        let name = sha256.clone();
        if !state.run(move |s| s.blob_reached(&name, me)).await? {
            return Err(Error::not_found("blob", sha256));
        }
    }
    let blobs = state.blobs().clone();
    let bytes = tokio::task::spawn_blocking(move || blobs.read(&sha256)).await??;
    Ok(([(header::CONTENT_TYPE, content_type(&bytes))], bytes).into_response())
}

pub(crate) fn content_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"%PDF") {
        "application/pdf"
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        "image/jpeg"
    } else {
        "application/octet-stream"
    }
}

#[utoipa::path(get, path = "/api/v1/work-orders/{id}/manifest", tag = "receipts",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Manifest), (status = 404, body = ErrorBody)))]
async fn manifest(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<WorkOrderId>,
) -> Result<axum::Json<Manifest>> {
    let wo = visible(&state, &user, id).await?;
    let blobs = state.blobs().clone();
    let (photos, receipt) = tokio::task::spawn_blocking(move || -> Result<_> {
        let entry = |sha256: &str| -> Result<ManifestEntry> {
            Ok(ManifestEntry {
                sha256: sha256.to_string(),
                on_server: blobs.contains(sha256)?,
            })
        };
        let photos: Vec<ManifestEntry> = wo
            .photos
            .iter()
            .map(|p| entry(&p.sha256))
            .collect::<Result<_>>()?;
        let receipt = wo
            .receipt
            .as_ref()
            .map(|r| entry(&r.pdf_sha256))
            .transpose()?;
        Ok((photos, receipt))
    })
    .await??;
    let missing = photos
        .iter()
        .chain(receipt.as_ref())
        .filter(|e| !e.on_server)
        .count() as u32;
    Ok(axum::Json(Manifest {
        photos,
        receipt,
        missing,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PhotoQuery {
    /// before, after, fault or serial_plate.
    pub tag: String,
    #[serde(default)]
    pub caption: String,
}

/// The browser variant's photo upload: the raw image is processed here (upright, resized,
/// JPEG), stored by its hash and attached to the job.
#[utoipa::path(post, path = "/api/v1/work-orders/{id}/photos", tag = "receipts",
    params(("id" = Uuid, Path), PhotoQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = WorkOrder), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_photo(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<WorkOrderId>,
    Query(q): Query<PhotoQuery>,
    body: Bytes,
) -> Result<Response> {
    let job = visible(&state, &user, id).await?;
    // A camera without an offset keeps local time: the time where the job is.
    let customer_id = job.customer_id;
    let file = state.run(move |s| s.customer_file(customer_id)).await?;
    let zone = state.zone_of_site(&file, job.site_id);
    let tag = PhotoTag::parse(&q.tag).ok_or_else(|| {
        Error::bad_request_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "tag must be before, after, fault or serial_plate",
        )
    })?;
    // Who may attach a photo is decided before a pixel is decoded, and decoding waits its turn.
    job.check(ActionKind::AttachPhoto, &user.actor())?;
    let slot = state.photo_slot().await?;
    let photo = tokio::task::spawn_blocking(move || {
        fixline_photo::process(&body, &fixline_photo::PhotoSettings::default())
    })
    .await?
    .map_err(|e| {
        Error::bad_request_with_status(StatusCode::UNPROCESSABLE_ENTITY, "bad_photo", e.to_string())
    })?;
    drop(slot);
    let blobs = state.blobs().clone();
    let jpeg = photo.jpeg;
    let bytes = jpeg.len() as u64;
    let sha256 = tokio::task::spawn_blocking(move || blobs.put(&jpeg)).await??;
    let (name, by, now) = (sha256.clone(), user.0.id, state.now());
    state
        .run(move |s| s.record_blob_jobs(&name, &[id], Some(by), now))
        .await?;
    let photo = PhotoRef {
        sha256,
        tag,
        caption: q.caption,
        taken_at: photo.taken_at.map(|t| t.instant(zone)),
        bytes,
    };
    perform(&state, &user, id, Action::AttachPhoto { photo }).await
}

async fn perform(
    state: &AppState,
    user: &SignedIn,
    id: WorkOrderId,
    action: Action,
) -> Result<Response> {
    let actor = user.actor();
    let policy = state.sla_policy().clone();
    let now = state.now();
    let wo = state
        .run(move |s| work_orders::act(s, &policy, id, &Step::now(&actor, &action, now)))
        .await?;
    Ok(versioned(StatusCode::OK, wo.version, wo))
}

/// The browser variant's "customer signs": the server makes the receipt, seals it with its own
/// key and records the sign-off.
#[utoipa::path(post, path = "/api/v1/work-orders/{id}/receipt", tag = "receipts",
    params(("id" = Uuid, Path)), request_body = ReceiptRequest,
    responses((status = 200, body = WorkOrder), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn make_receipt(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<WorkOrderId>,
    Json(req): Json<ReceiptRequest>,
) -> Result<Response> {
    let job = visible(&state, &user, id).await?;
    let actor = user.actor();
    job.check(fixline_core::work_order::ActionKind::SignReceipt, &actor)?;
    let state2 = state.clone();
    let now = state.now();
    let wo = tokio::task::spawn_blocking(move || {
        make_on_server(&state2, &actor, &job, req.sign_off, req.position, now)
    })
    .await??;
    Ok(versioned(StatusCode::OK, wo.version, wo))
}

#[utoipa::path(post, path = "/api/v1/work-orders/{id}/receipt/email", tag = "receipts",
    params(("id" = Uuid, Path)), request_body = EmailRequest,
    responses((status = 200, body = EmailSent), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn email_receipt(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<WorkOrderId>,
    Json(req): Json<EmailRequest>,
) -> Result<axum::Json<EmailSent>> {
    let job = visible(&state, &user, id).await?;
    if user.role() == Role::Engineer && job.assignee != user.0.engineer_id {
        return Err(Error::not_found("work order", id));
    }
    let mail = state.config().mail.clone().ok_or_else(|| {
        Error::Conflict("this server has no mail settings ([mail] in the config)".into())
    })?;
    let record = job
        .receipt
        .clone()
        .ok_or_else(|| Error::Conflict("the job has no signed receipt yet".into()))?;
    let customer_id = job.customer_id;
    let customer = state.run(move |s| s.customer_file(customer_id)).await?;
    let to = req
        .to
        .or(customer.customer.details.email.clone())
        .ok_or_else(|| {
            Error::bad_request(
                "invalid_email",
                "the customer has no e-mail address on file; give one",
            )
        })?;
    let blobs = state.blobs().clone();
    let sha = record.pdf_sha256.clone();
    let pdf = tokio::task::spawn_blocking(move || blobs.read(&sha))
        .await?
        .map_err(|_| Error::Conflict("the receipt's PDF has not reached the server yet".into()))?;
    let link = state.config().receipt_link(&record.token);
    let zh = matches!(record.language, fixline_core::customer::Language::ZhCn);
    let brand = &state.config().receipts.settings.brand.name;
    // When the work was done, in the site's local time with its zone.
    let zone = state.zone_of_site(&customer, job.site_id);
    let finished = job
        .resolution
        .as_ref()
        .map(|r| format!("{} ({zone})", zone.format(r.at, "%Y-%m-%d %H:%M")))
        .unwrap_or_default();
    let (subject, body) = if zh {
        (
            format!("{brand} 服务回执 {}", record.number),
            format!(
                "您好，\n\n附件是本次服务的回执（{}），完工时间 {finished}。在线查看、核验并评价本次服务：\n{link}\n\n{brand}",
                record.number
            ),
        )
    } else {
        (
            format!("{brand} service receipt {}", record.number),
            format!(
                "Hello,\n\nAttached is the receipt for our visit ({}), finished {finished}. View, verify and rate the service online:\n{link}\n\n{brand}",
                record.number
            ),
        )
    };
    let sent = crate::mail::send(
        &mail,
        crate::mail::Mail {
            to: &to,
            subject,
            body,
            pdf: Some((format!("{}.pdf", record.number), pdf)),
            message_id: None,
        },
    )
    .await;
    let error = sent.as_ref().err().map(|e| e.to_string());
    let recipient = to.clone();
    let now = state.now();
    state
        .run(move |s| s.record_receipt_mail(id, &recipient, now, error.as_deref()))
        .await?;
    sent.map(|()| axum::Json(EmailSent { to }))
}

/// For the customer page: the receipt's job and what its seal says.
pub(crate) async fn by_token(state: &AppState, token: String) -> Result<(WorkOrder, Verification)> {
    let lookup = token.clone();
    let wo = state
        .run(move |s| s.work_order_by_receipt_token(&lookup))
        .await?
        .ok_or_else(|| Error::not_found("receipt", "for this link"))?;
    let state2 = state.clone();
    let record = wo
        .receipt
        .clone()
        .ok_or_else(|| Error::not_found("receipt", token))?;
    let verification = tokio::task::spawn_blocking(move || verify(&state2, &record)).await??;
    Ok((wo, verification))
}
