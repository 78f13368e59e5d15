//! CSV export and import of the customer file, for administrators (see `crate::ops::transfer`).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use fixline_api::transfer::{FileTable, ImportReport};
use fixline_core::role::Role;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::extract::Path;
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{ErrorBody, Result};
use crate::ops::transfer;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_table))
        .routes(routes!(import_table))
        // A customer base of tens of thousands of rows is tens of megabytes.
        .layer(DefaultBodyLimit::max(MAX_FILE_BYTES))
}

const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

/// One table of the customer file as CSV (UTF-8 with a byte-order mark, for Excel).
#[utoipa::path(get, path = "/api/v1/transfer/{table}", tag = "customers",
    params(("table" = FileTable, Path)),
    responses((status = 200, description = "The table as CSV", content_type = "text/csv"),
        (status = 403, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn export_table(
    State(state): State<AppState>,
    user: SignedIn,
    Path(table): Path<FileTable>,
) -> Result<Response> {
    user.require(&[Role::Admin], "export the customer file")?;
    let bytes = state.run(move |s| transfer::export(s, table)).await?;
    let day = state.zone().local_day(state.now());
    let disposition = format!(
        "attachment; filename=\"fixline-{}-{day}.csv\"",
        table.name()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// Files each row of a CSV into the customer file; refused rows come back with line and reason.
#[utoipa::path(post, path = "/api/v1/transfer/{table}", tag = "customers",
    params(("table" = FileTable, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 403, body = ErrorBody),
        (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_table(
    State(state): State<AppState>,
    user: SignedIn,
    Path(table): Path<FileTable>,
    body: Bytes,
) -> Result<axum::Json<ImportReport>> {
    user.require(&[Role::Admin], "import into the customer file")?;
    let (by, now) = (user.actor(), state.now());
    let report = state
        .run(move |s| transfer::import(s, table, &body, &by, now, &mut Uuid::now_v7))
        .await?;
    tracing::info!(
        table = table.name(),
        rows = report.rows,
        created = report.created,
        refused = report.refused.len(),
        "customer file import"
    );
    Ok(axum::Json(report))
}
