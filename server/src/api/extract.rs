//! Request extractors whose rejections speak our error format, and version (ETag) helpers.

use axum::extract::FromRequest;
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::error::{Error, Result};

/// JSON body; malformed JSON, wrong types, a wrong content type or an oversize body become
/// 4xx errors with a code and a message saying what was wrong.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct Json<T>(pub T);

#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Error))]
pub struct Path<T>(pub T);

#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Error))]
pub struct Query<T>(pub T);

#[derive(Debug, FromRequest)]
#[from_request(via(axum::Form), rejection(Error))]
pub struct Form<T>(pub T);

impl From<JsonRejection> for Error {
    fn from(r: JsonRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Error::bad_request_with_status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ),
            _ => Error::bad_request("malformed_json", r.body_text()),
        }
    }
}

impl From<PathRejection> for Error {
    fn from(r: PathRejection) -> Self {
        Error::bad_request("invalid_path", r.body_text())
    }
}

impl From<QueryRejection> for Error {
    fn from(r: QueryRejection) -> Self {
        Error::bad_request("invalid_query", r.body_text())
    }
}

impl From<FormRejection> for Error {
    fn from(r: FormRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge,
            _ => Error::bad_request("malformed_form", r.body_text()),
        }
    }
}

pub async fn not_found(uri: Uri) -> Error {
    Error::bad_request_with_status(
        StatusCode::NOT_FOUND,
        "no_route",
        format!("there is no {} here", uri.path()),
    )
}

/// The longest address taken, query included. Longer ones get a 414 with the API's body here;
/// past 64 KiB the HTTP library refuses them first, with a bare 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Refuses an over-long address before routing (a search pasted many times over, a probe).
pub async fn limit_uri(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let length = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if length > MAX_URI_BYTES {
        return Error::bad_request_with_status(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!(
                "the address is {length} bytes long, more than the {MAX_URI_BYTES} taken; send long values in the body"
            ),
        )
        .into_response();
    }
    next.run(request).await
}

/// Answers that axum and tower make on their own (405 for a method a route does not take, 413
/// from a body limit, a body that timed out) get the same `{code, message}` body as ours. HTML
/// pages (the public form, the customer's page) and JSON answers pass as they are.
pub async fn uniform_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let typed = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    if typed {
        return response;
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this address does not take that method".to_owned(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", Error::PayloadTooLarge.to_string()),
        StatusCode::REQUEST_TIMEOUT => (
            "request_timeout",
            "the request took too long to arrive".to_owned(),
        ),
        other => (
            "http_error",
            other.canonical_reason().unwrap_or("error").to_owned(),
        ),
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::to_vec(&crate::error::ErrorBody::new(code, message)).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// The version a client edited, from `If-Match: "<version>"`.
pub fn if_match(headers: &HeaderMap) -> Result<Option<u64>> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            Error::bad_request(
                "invalid_if_match",
                "If-Match must be the ETag you received, e.g. \"3\"",
            )
        })
}

/// Like [`if_match`], but an update without it is refused: blind overwrites lose work.
pub fn required_if_match(headers: &HeaderMap) -> Result<u64> {
    if_match(headers)?.ok_or(Error::VersionRequired)
}

/// A JSON response carrying the record's version as its ETag.
pub fn versioned<T: serde::Serialize>(status: StatusCode, version: u64, body: T) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}
