//! Messages: the public replies and internal notes of a conversation.

use crate::error::DomainError;
use crate::ids::{AttachmentId, MessageId, TicketId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A public reply or an internal note.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Seen by the customer.
    Reply,
    /// Agents only; never shown to customers, never e-mailed.
    Note,
}

impl MessageKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reply => "reply",
            Self::Note => "note",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reply" => Some(Self::Reply),
            "note" => Some(Self::Note),
            _ => None,
        }
    }
}

/// Who wrote a message.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// The user, when the author has an account.
    pub user_id: Option<UserId>,
    /// Name as shown.
    pub name: String,
    /// Address, for guests and e-mail.
    pub email: Option<String>,
    /// Whether the author wrote as staff.
    pub staff: bool,
}

/// One message.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Row id.
    pub id: MessageId,
    /// The ticket it belongs to (changes when tickets are merged).
    pub ticket_id: TicketId,
    /// Reply or note.
    pub kind: MessageKind,
    /// Who wrote it.
    pub author: Author,
    /// Plain text (decrypted by the desk when `encrypted`).
    pub body: String,
    /// Sanitised HTML, if the message came with HTML.
    pub html: Option<String>,
    /// `web`, `email`, `api`...
    pub channel: crate::ticket::Source,
    /// The author's address when they wrote it.
    pub author_ip: Option<String>,
    /// Body and HTML are kept encrypted at rest.
    pub encrypted: bool,
    /// E-mail `Message-ID`, for threading.
    pub email_message_id: Option<String>,
    /// A customer's 1–5 rating of an agent reply.
    pub rating: Option<u8>,
    /// Files.
    pub attachment_ids: Vec<AttachmentId>,
    /// Written.
    pub created_at: DateTime<Utc>,
    /// Last edited.
    pub edited_at: Option<DateTime<Utc>>,
    /// Last editor.
    pub edited_by_id: Option<UserId>,
    /// Deleted messages keep their row for the audit trail but lose their body.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// One earlier version of an edited message.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageEdit {
    /// The message.
    pub message_id: MessageId,
    /// Who edited it.
    pub editor_id: UserId,
    /// The body before the edit.
    pub previous_body: String,
    /// The HTML before the edit.
    pub previous_html: Option<String>,
    /// When.
    pub edited_at: DateTime<Utc>,
}

/// The longest body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Checks a message body: not blank, not huge.
pub fn validate_body(body: &str) -> Result<String, DomainError> {
    if body.trim().is_empty() {
        return Err(DomainError::invalid("body", "required", "the message must not be empty"));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(DomainError::invalid("body", "too_long", "the message is longer than 256 KiB"));
    }
    Ok(body.trim_end().to_string())
}

/// Checks a rating: 1 to 5.
pub fn validate_rating(rating: u8) -> Result<u8, DomainError> {
    if (1..=5).contains(&rating) {
        Ok(rating)
    } else {
        Err(DomainError::invalid("rating", "out_of_range", "a rating is 1 to 5"))
    }
}
