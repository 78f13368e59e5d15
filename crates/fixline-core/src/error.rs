use crate::complaint::{ComplaintActionKind, ComplaintStatus};
use crate::role::Role;
use crate::work_order::{ActionKind, Status};

/// Everything the domain can refuse, with a stable machine-readable code (see [`Error::code`])
/// that clients match on; the `Display` text is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("cannot {action} a work order that is {from}")]
    IllegalTransition { action: ActionKind, from: Status },
    #[error("a {status} work order cannot be edited; reopen it first")]
    NotEditable { status: Status },
    #[error("the {role} role may not {action} a work order")]
    RoleNotAllowed { action: ActionKind, role: Role },
    #[error("only the assigned engineer may {action} this work order")]
    NotAssignee { action: ActionKind },
    #[error("cannot {action}: {requirement}")]
    Requirement {
        action: ActionKind,
        requirement: String,
    },
    #[error("cannot {action} a complaint that is {from}")]
    ComplaintTransition {
        action: ComplaintActionKind,
        from: ComplaintStatus,
    },
    #[error("{who} may not {action} a complaint")]
    ComplaintNotAllowed {
        action: ComplaintActionKind,
        who: String,
    },
    #[error("cannot {action} the complaint: {requirement}")]
    ComplaintRequirement {
        action: ComplaintActionKind,
        requirement: String,
    },
    #[error("amounts in {left} and {right} cannot be combined")]
    CurrencyMismatch { left: String, right: String },
}

/// Stable codes for [`Error`]; part of the wire contract, never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Invalid,
    IllegalTransition,
    Forbidden,
    Requirement,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Invalid => "invalid_input",
            ErrorCode::IllegalTransition => "illegal_transition",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Requirement => "requirement_not_met",
        }
    }
}

impl Error {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            reason: reason.into(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Invalid { .. } | Error::CurrencyMismatch { .. } => ErrorCode::Invalid,
            Error::IllegalTransition { .. }
            | Error::NotEditable { .. }
            | Error::ComplaintTransition { .. } => ErrorCode::IllegalTransition,
            Error::RoleNotAllowed { .. }
            | Error::NotAssignee { .. }
            | Error::ComplaintNotAllowed { .. } => ErrorCode::Forbidden,
            Error::Requirement { .. } | Error::ComplaintRequirement { .. } => {
                ErrorCode::Requirement
            }
        }
    }
}
