//! Rule violations found by the domain, each with a stable machine-readable
//! code, a message for people and, where one input is at fault, its field.

use thiserror::Error;

/// A request breaks a domain rule. The desk passes these on unchanged; the
/// server turns them into 4xx answers.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// One input value is wrong (empty subject, unknown option, bad e-mail).
    #[error("{message}")]
    Invalid {
        /// Stable snake_case code, for example `required` or `invalid_option`.
        code: &'static str,
        /// What is wrong, in words.
        message: String,
        /// The field at fault.
        field: Option<String>,
    },
    /// The ticket is locked: its customer may no longer reply.
    #[error("this ticket is locked; replies from the customer are not accepted")]
    Locked,
    /// The ticket is closed, which is final.
    #[error("this ticket is closed; closed tickets cannot change status")]
    Closed,
    /// A status change that the status machine does not allow.
    #[error("{0}")]
    Transition(String),
}

impl DomainError {
    /// A wrong value in `field`.
    pub fn invalid(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { code, message: message.into(), field: Some(field.into()) }
    }

    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { code, .. } => code,
            Self::Locked => "ticket_locked",
            Self::Closed => "ticket_closed",
            Self::Transition(_) => "invalid_transition",
        }
    }
}
