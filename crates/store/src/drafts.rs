//! Drafts of replies and notes (issue 18): one per user and ticket, kept on
//! the server until sent or discarded, so that what an agent (or a customer)
//! typed follows them to another machine.

use tessera_core::Timestamp;
use tessera_core::ids::{TicketId, UserId};

/// What a draft will become when sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftKind {
    /// A public reply.
    Reply,
    /// An internal note (agents).
    Note,
}

impl DraftKind {
    /// The stored (and sent) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reply => "reply",
            Self::Note => "note",
        }
    }

    /// Reads a stored or sent name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reply" => Some(Self::Reply),
            "note" => Some(Self::Note),
            _ => None,
        }
    }
}

/// A draft as stored: the unsent text of one user on one ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Whose draft.
    pub user_id: UserId,
    /// On which ticket.
    pub ticket_id: TicketId,
    /// Reply or note.
    pub kind: DraftKind,
    /// The text so far.
    pub body: String,
    /// When it was last saved.
    pub updated_at: Timestamp,
}
