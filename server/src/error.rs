//! The server's one error type, mapped to HTTP once: a status, a stable machine-readable `code`
//! and a message for people. Causes of 5xx are logged, never sent to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
/// The JSON body of every error answer, one type shared with the device and the UI.
pub use fixline_api::ErrorBody;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Domain(#[from] fixline_core::Error),
    #[error("{entity} {id} does not exist")]
    NotFound { entity: &'static str, id: String },
    #[error(
        "this {entity} was changed by someone else (now at version {current}); reload and try again"
    )]
    StaleVersion { entity: &'static str, current: u64 },
    #[error("an update needs an If-Match header with the version you edited (from the ETag)")]
    VersionRequired,
    #[error("{0}")]
    Conflict(String),
    #[error("sign in first: {0}")]
    Unauthenticated(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{message}")]
    WithStatus {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    #[error("the request body is larger than this server accepts")]
    PayloadTooLarge,
    /// Refused for now (sign-in locked after wrong passwords); `Retry-After` says how long.
    #[error("{message}")]
    TooManyAttempts {
        retry_after_secs: u64,
        message: String,
    },
    /// The server is at its bound for this kind of work; try again shortly.
    #[error("the server is busy; try again in a moment")]
    Busy { retry_after_secs: u64 },
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("database error: {0}")]
    Postgres(tokio_postgres::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Error::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn bad_request_with_status(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Error::WithStatus {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden(message.into())
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        self.status_and_code().1
    }

    /// Caused by what the client sent (a 4xx), not by the server: safe to tell, and final for
    /// that request.
    pub fn is_refusal(&self) -> bool {
        self.status_and_code().0.is_client_error()
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        use fixline_core::ErrorCode as C;
        match self {
            Error::Domain(e) => match e.code() {
                C::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, C::Invalid.as_str()),
                C::IllegalTransition => (StatusCode::CONFLICT, C::IllegalTransition.as_str()),
                C::Forbidden => (StatusCode::FORBIDDEN, C::Forbidden.as_str()),
                C::Requirement => (StatusCode::UNPROCESSABLE_ENTITY, C::Requirement.as_str()),
            },
            Error::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            Error::StaleVersion { .. } => (StatusCode::PRECONDITION_FAILED, "stale_version"),
            Error::VersionRequired => (StatusCode::PRECONDITION_REQUIRED, "version_required"),
            Error::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Error::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Error::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            Error::WithStatus { status, code, .. } => (*status, code),
            Error::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Error::TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            Error::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            Error::Database(_) | Error::Migration(_) | Error::Postgres(_) | Error::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        // Busy is the one 5xx that is safe, and useful, to tell.
        let message = if status.is_server_error() && !matches!(self, Error::Busy { .. }) {
            tracing::error!(error = %self, "request failed");
            "something went wrong on the server; it has been logged".to_owned()
        } else {
            self.to_string()
        };
        let mut response = (status, Json(ErrorBody::new(code, message))).into_response();
        let headers = response.headers_mut();
        match self {
            Error::Unauthenticated(_) => {
                headers.insert(
                    axum::http::header::WWW_AUTHENTICATE,
                    axum::http::HeaderValue::from_static("Bearer"),
                );
            }
            Error::TooManyAttempts {
                retry_after_secs, ..
            }
            | Error::Busy { retry_after_secs } => {
                headers.insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(retry_after_secs),
                );
            }
            _ => {}
        }
        response
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        // PostgreSQL text cannot hold a NUL character (SQLite's can): the request's fault,
        // whichever field or search box it came in.
        if e.code() == Some(&SqlState::CHARACTER_NOT_IN_REPERTOIRE) {
            return Error::bad_request(
                "invalid_input",
                "text with a NUL character (\\u0000) is not accepted",
            );
        }
        Error::Postgres(e)
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Error::Internal(format!("background task failed: {e}"))
    }
}
