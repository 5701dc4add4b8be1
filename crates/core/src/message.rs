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
    /// Where the quoted history of an e-mail reply starts in `body`: a byte
    /// offset at a character boundary, strictly inside the body, with new
    /// text before it. `body[..quote_start]` is what the sender wrote now
    /// (shown, searched); the rest (the earlier conversation, a trailing
    /// signature) is folded on screen and left out of the search document,
    /// never deleted. Set only when a message comes in by e-mail (the
    /// mail parser finds it); messages written on the web or through the
    /// API have none, and the API only reports it. It refers to the
    /// plain text, so it holds for an encrypted message once decrypted.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub quote_start: Option<u32>,
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

/// A quote offset fit for `body`: inside it (not at either end), on a
/// character boundary, with non-blank text on both sides; otherwise none.
/// Every writer passes offsets through this, so a stored `quote_start`
/// never splits a character or points past the text.
pub fn checked_quote_start(body: &str, quote_start: Option<usize>) -> Option<u32> {
    let q = quote_start?;
    let fits = q > 0 && q < body.len() && body.is_char_boundary(q);
    (fits && !body[..q].trim().is_empty() && !body[q..].trim().is_empty()).then(|| u32::try_from(q).ok()).flatten()
}

/// What is new in a message: `body` up to `quote_start`, or all of it when
/// there is no usable offset (a bad one is ignored, never a panic).
pub fn new_part(body: &str, quote_start: Option<u32>) -> &str {
    quote_start.and_then(|q| body.get(..q as usize)).unwrap_or(body)
}

/// The quote offset an edit leaves: kept (moved with the new text) when
/// the edit leaves the quoted part as it was, so an agent who removes a
/// password from what the customer wrote keeps the fold; cleared when the
/// quoted part itself was changed, because the old offset no longer
/// marks anything the parser found.
pub fn quote_after_edit(old_body: &str, old_quote: Option<u32>, new_body: &str) -> Option<u32> {
    let q = old_quote? as usize;
    let quoted = old_body.get(q..)?;
    let cut = new_body.strip_suffix(quoted).map(str::len)?;
    checked_quote_start(new_body, Some(cut))
}

/// Checks a rating: 1 to 5.
pub fn validate_rating(rating: u8) -> Result<u8, DomainError> {
    if (1..=5).contains(&rating) {
        Ok(rating)
    } else {
        Err(DomainError::invalid("rating", "out_of_range", "a rating is 1 to 5"))
    }
}

#[cfg(test)]
mod quote_tests {
    use super::*;

    #[test]
    fn offsets_are_checked_at_the_boundary() {
        let body = "Yeni şey\n\nOn Mon, A wrote:\n> eski";
        let q = body.find("On Mon").unwrap();
        assert_eq!(checked_quote_start(body, Some(q)), Some(q as u32));
        assert_eq!(checked_quote_start(body, Some(0)), None);
        assert_eq!(checked_quote_start(body, Some(body.len())), None);
        assert_eq!(checked_quote_start(body, Some(body.len() + 9)), None);
        // Inside 'ş' (two bytes).
        let mid = body.find('ş').unwrap() + 1;
        assert_eq!(checked_quote_start(body, Some(mid)), None);
        assert_eq!(checked_quote_start("text   ", Some(4)), None);
        assert_eq!(new_part(body, Some(q as u32)), "Yeni şey\n\n");
        assert_eq!(new_part(body, Some(mid as u32)), body);
        assert_eq!(new_part(body, Some(10_000)), body);
        assert_eq!(new_part(body, None), body);
    }

    #[test]
    fn an_edit_keeps_the_fold_only_if_the_quote_is_untouched() {
        let old = "My password is hunter2\n\nOn Mon, A wrote:\n> hi";
        let q = old.find("On Mon").map(|q| q as u32);
        let new = "My password is [removed]\n\nOn Mon, A wrote:\n> hi";
        assert_eq!(quote_after_edit(old, q, new), new.find("On Mon").map(|q| q as u32));
        assert_eq!(quote_after_edit(old, q, "My password is [removed]"), None);
        assert_eq!(quote_after_edit(old, None, new), None);
    }
}
