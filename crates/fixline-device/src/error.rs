/// Everything the device side can fail with. [`Error::code`] is what the UI matches on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The action is not allowed or not valid; nothing was queued.
    #[error(transparent)]
    Domain(#[from] fixline_core::Error),
    #[error("device database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("device database schema: {0}")]
    Schema(#[from] rusqlite_migration::Error),
    #[error("the server cannot be reached: {0}")]
    Offline(String),
    /// The server answered with an error body.
    #[error("{message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    /// The server sent something this app cannot read; the sync stops here and resumes later.
    #[error("unreadable answer from the server: {0}")]
    BadServerData(String),
    #[error("not signed in")]
    NotSignedIn,
    #[error("{pending} change(s) on this device are not on the server yet; sync before {doing}")]
    Unsynced { pending: u64, doing: &'static str },
    #[error("{0} is not on this device")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// Printing failed: no printer chosen, unreachable, or it refused the job.
    #[error("{0}")]
    Printer(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Stable code for the UI.
    pub fn code(&self) -> &str {
        match self {
            Error::Domain(e) => e.code().as_str(),
            Error::Database(_) | Error::Schema(_) => "device_storage",
            Error::Offline(_) => "offline",
            Error::Server { code, .. } => code,
            Error::BadServerData(_) => "bad_server_data",
            Error::NotSignedIn => "not_signed_in",
            Error::Unsynced { .. } => "unsynced_changes",
            Error::NotFound(_) => "not_found",
            Error::Invalid(_) => "invalid_input",
            Error::Printer(_) => "printer",
        }
    }

    /// Worth trying again later without changing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Offline(_) => true,
            Error::Server { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// An error as it crosses to the UI: the same `{code, message}` as the server's answers.
pub use fixline_api::ErrorBody;

impl From<&Error> for ErrorBody {
    fn from(e: &Error) -> Self {
        ErrorBody::new(e.code(), e.to_string())
    }
}
