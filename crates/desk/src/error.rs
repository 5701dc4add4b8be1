//! The desk's errors: every way an operation can be refused, each with a
//! stable code. The server maps them to HTTP statuses in one place.

use tessera_core::DomainError;
use tessera_store::StoreError;
use thiserror::Error;

/// Why an operation did not happen.
#[derive(Debug, Error)]
pub enum DeskError {
    /// No valid credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// The actor may not do this (to something they are allowed to know exists).
    #[error("{message}")]
    Forbidden {
        /// Why.
        message: String,
        /// The input at fault.
        field: Option<String>,
    },
    /// The thing does not exist, or the actor may not know it does.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for (`ticket`, `user`...).
        what: &'static str,
    },
    /// A domain rule refused the operation.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// A conflict with the current state (a taken e-mail, a used key).
    #[error("{message}")]
    Conflict {
        /// Stable code.
        code: &'static str,
        /// Why.
        message: String,
        /// The input at fault.
        field: Option<String>,
    },
    /// The ticket changed since the version the caller saw.
    #[error("the ticket changed meanwhile (it is now at version {current})")]
    VersionMismatch {
        /// The version it is at now.
        current: i64,
    },
    /// A validation hook refused the action; the text is the hook's.
    #[error("{0}")]
    Refused(String),
    /// An upload or body is too large.
    #[error("{0}")]
    TooLarge(String),
    /// A search that cannot run: it does not parse, or names something
    /// that does not exist. Always about the input `q`.
    #[error("{message}")]
    Search {
        /// Stable code (the parser's, or `unknown_value`, `field_not_allowed`).
        code: &'static str,
        /// What is wrong and where.
        message: String,
        /// Where in the search, in characters from its start.
        position: usize,
    },
    /// The database or the attachment storage cannot be reached just now.
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    /// A fault of ours (database, disk).
    #[error("internal error: {0}")]
    Internal(String),
}

impl DeskError {
    /// The installation's fault, not the caller's: every door answers it
    /// with a 5xx (or its dialect's "internal" refusal).
    pub fn is_server_fault(&self) -> bool {
        matches!(self, Self::Internal(_) | Self::Unavailable(_))
    }

    /// The one error rule: where a door turns a server fault into an
    /// answer, it logs the cause here, once (the answer says only that
    /// something went wrong). The request's span carries its request id,
    /// so the line can be found from what the caller saw. Nothing for the
    /// caller's own mistakes.
    pub fn log_fault(&self, door: &'static str) {
        match self {
            Self::Unavailable(cause) => tracing::error!(door, cause = %cause, "unavailable"),
            Self::Internal(cause) => tracing::error!(door, cause = %cause, "internal error"),
            _ => {}
        }
    }

    /// Not found.
    pub fn not_found(what: &'static str) -> Self {
        Self::NotFound { what }
    }

    /// Forbidden.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden { message: message.into(), field: None }
    }

    /// Forbidden because of one input.
    pub fn forbidden_field(field: &str, message: impl Into<String>) -> Self {
        Self::Forbidden { message: message.into(), field: Some(field.to_string()) }
    }

    /// A wrong input value.
    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Domain(DomainError::invalid(field, code, message))
    }

    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden { .. } => "forbidden",
            Self::NotFound { .. } => "not_found",
            Self::Domain(d) => d.code(),
            Self::Conflict { code, .. } => code,
            Self::VersionMismatch { .. } => "version_mismatch",
            Self::TooLarge(_) => "too_large",
            Self::Refused(_) => "refused",
            Self::Search { code, .. } => code,
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    /// The input at fault, if one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Forbidden { field, .. } | Self::Conflict { field, .. } => field.as_deref(),
            Self::Domain(DomainError::Invalid { field, .. }) => field.as_deref(),
            Self::Search { .. } => Some("q"),
            _ => None,
        }
    }
}

impl From<StoreError> for DeskError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::not_found("record"),
            StoreError::VersionConflict => Self::VersionMismatch { current: -1 },
            StoreError::Duplicate(what) if what == "inbound message" => {
                Self::Conflict { code: "applied", message: "the message was applied meanwhile".into(), field: None }
            }
            StoreError::Duplicate(what) => Self::Conflict {
                code: "already_exists",
                message: format!("a record with this {what} already exists"),
                field: Some(what),
            },
            StoreError::InvalidReference(what) => {
                Self::Conflict { code: "invalid_reference", message: what, field: None }
            }
            StoreError::Unavailable(what) => Self::Unavailable(what),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// Results of desk operations.
pub type DeskResult<T> = Result<T, DeskError>;
