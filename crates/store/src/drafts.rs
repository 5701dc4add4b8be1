//! Drafts of replies and notes (issue 18): one per user and ticket, kept on
//! the server until sent or discarded, so that what an agent (or a customer)
//! typed follows them to another machine.

use tessera_core::Timestamp;
use tessera_core::ids::{TicketId, UserId};
use tessera_core::message::MessageKind;

/// A draft as stored: the unsent text of one user on one ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Whose draft.
    pub user_id: UserId,
    /// On which ticket.
    pub ticket_id: TicketId,
    /// Reply or note.
    pub kind: MessageKind,
    /// The text so far.
    pub body: String,
    /// When it was last saved.
    pub updated_at: Timestamp,
}
