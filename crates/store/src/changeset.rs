//! A change set: everything one desk operation writes, applied in one
//! transaction.

use std::collections::BTreeMap;
use tessera_core::event::{Change, EventKind, Side};
use tessera_core::ids::{AttachmentId, EventId, MessageId, TicketId, UserId};
use tessera_core::message::{Author, MessageKind};
use tessera_core::ticket::Source;
use tessera_core::{Ticket, Timestamp, User};

/// A message to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// Reply or note.
    pub kind: MessageKind,
    /// Who wrote it. For a ticket whose requester is created in the same
    /// change set, a `None` user id on a non-staff author means "the new
    /// requester".
    pub author: Author,
    /// Plain text (already encrypted when `encrypted`).
    pub body: String,
    /// Sanitised HTML (already encrypted when `encrypted`).
    pub html: Option<String>,
    /// Where the quoted history starts in the plain text (see
    /// [`tessera_core::Message::quote_start`]); the desk checks it against
    /// the text before encrypting.
    pub quote_start: Option<u32>,
    /// Channel.
    pub channel: Source,
    /// Author's IP address.
    pub author_ip: Option<String>,
    /// Body and HTML are ciphertext.
    pub encrypted: bool,
    /// E-mail `Message-ID`.
    pub email_message_id: Option<String>,
    /// Uploaded attachments to link to the message; each must be unlinked.
    pub attachment_ids: Vec<AttachmentId>,
    /// Written.
    pub created_at: Timestamp,
}

impl NewMessage {
    /// The message as the store keeps it once written with `id` on `ticket`,
    /// so writers can answer without reading it back.
    pub fn stored(&self, id: MessageId, ticket: TicketId) -> tessera_core::Message {
        tessera_core::Message {
            id,
            ticket_id: ticket,
            kind: self.kind,
            author: self.author.clone(),
            body: self.body.clone(),
            html: self.html.clone(),
            quote_start: self.quote_start,
            channel: self.channel,
            author_ip: self.author_ip.clone(),
            encrypted: self.encrypted,
            email_message_id: self.email_message_id.clone(),
            rating: None,
            attachment_ids: self.attachment_ids.clone(),
            created_at: self.created_at,
            edited_at: None,
            edited_by_id: None,
            deleted_at: None,
        }
    }
}

/// Which message an event concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageRef {
    /// The n-th message added by the same create or change.
    New(usize),
    /// An existing message.
    Existing(MessageId),
}

/// An event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventKind,
    /// Which side.
    pub side: Side,
    /// Who.
    pub actor_id: Option<UserId>,
    /// The message concerned.
    pub message: Option<MessageRef>,
    /// Changed fields.
    pub changes: BTreeMap<String, Change>,
    /// Extra data.
    pub data: serde_json::Value,
    /// When.
    pub created_at: Timestamp,
}

/// A new ticket with its first messages and events.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketCreate {
    /// The ticket. Its `id` and `number` are assigned by the store (the
    /// number random and unique); its `version` should be 1.
    pub ticket: Ticket,
    /// A requester to create first, or to find by e-mail if someone created
    /// it meanwhile. The ticket's `requester_id` and `organization_id` are
    /// then taken from that user.
    pub new_requester: Option<User>,
    /// Messages, in order.
    pub messages: Vec<NewMessage>,
    /// Events, in order.
    pub events: Vec<NewEvent>,
}

/// An edit of an existing message.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageUpdate {
    /// The message.
    pub message_id: MessageId,
    /// New body (ciphertext when the message is encrypted).
    pub body: String,
    /// New HTML.
    pub html: Option<String>,
    /// The quote offset after the edit (kept or cleared by the desk, see
    /// [`tessera_core::message::quote_after_edit`]).
    pub quote_start: Option<u32>,
    /// History entry to keep: the previous body and HTML.
    pub previous_body: String,
    /// Previous HTML.
    pub previous_html: Option<String>,
    /// Who edited.
    pub editor_id: UserId,
    /// When.
    pub at: Timestamp,
}

/// A change of an existing ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketChange {
    /// The ticket's new state; written only if the stored version is still
    /// `expected_version` (the new state carries `expected_version + 1`).
    pub ticket: Ticket,
    /// The version the desk read.
    pub expected_version: i64,
    /// Messages to add.
    pub new_messages: Vec<NewMessage>,
    /// Messages to edit (the old text goes to the history).
    pub message_updates: Vec<MessageUpdate>,
    /// Messages to delete (their text is erased; the row stays).
    pub message_deletes: Vec<(MessageId, Timestamp)>,
    /// Ratings to set.
    pub ratings: Vec<(MessageId, u8)>,
    /// Move all of this ticket's messages and attachments to another ticket
    /// (merging).
    pub move_messages_to: Option<TicketId>,
    /// Events.
    pub events: Vec<NewEvent>,
}

impl TicketChange {
    /// A change of `ticket` (its new state) read at `expected_version`, with nothing else yet.
    pub fn new(ticket: Ticket, expected_version: i64) -> Self {
        Self {
            ticket,
            expected_version,
            new_messages: Vec::new(),
            message_updates: Vec::new(),
            message_deletes: Vec::new(),
            ratings: Vec::new(),
            move_messages_to: None,
            events: Vec::new(),
        }
    }
}

/// Everything one operation writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSet {
    /// Tickets to create.
    pub creates: Vec<TicketCreate>,
    /// Tickets to change (updates are applied before creates, so a
    /// follow-up can be created in the same set that records it).
    pub updates: Vec<TicketChange>,
    /// Users saved over their stored rows in the same transaction, before
    /// the tickets: an action that changes a person and their tickets
    /// together (blocking a ticket's sender: the requester disabled, the
    /// ticket deleted) is all or nothing. The desk validates them as it
    /// does a user's own update.
    pub users: Vec<tessera_core::User>,
    /// The inbound message this change applies, recorded in the same
    /// transaction (see [`crate::MailApplied`]): on the first create's first
    /// message if there is a create, else on the first update's first new
    /// message.
    pub mail: Option<crate::MailApplied>,
    /// Entries added to the blocked-senders list in the same transaction
    /// (an entry already listed stays as it is).
    pub blocks: Vec<crate::NewSenderBlock>,
}

/// What a commit assigned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitOutcome {
    /// For each create, in order.
    pub created: Vec<CreatedIds>,
    /// For each update, in order.
    pub updated: Vec<UpdatedIds>,
}

/// Ids assigned to a created ticket and its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedIds {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its number.
    pub number: String,
    /// Its requester (new or found).
    pub requester_id: UserId,
    /// The requester's organization.
    pub organization_id: Option<tessera_core::ids::OrganizationId>,
    /// Its messages, in order.
    pub message_ids: Vec<MessageId>,
    /// Its events, in order.
    pub event_ids: Vec<EventId>,
}

/// Ids assigned by an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatedIds {
    /// New messages, in order.
    pub message_ids: Vec<MessageId>,
    /// New events, in order.
    pub event_ids: Vec<EventId>,
}

/// The ticket and message a commit's inbound message became (see
/// [`ChangeSet::mail`]): the first create's first message if there is a
/// create, else the first update's first new message. `first_updated` is
/// the ticket of the first update.
pub fn applied_to(
    out: &CommitOutcome,
    first_updated: Option<TicketId>,
) -> crate::StoreResult<(TicketId, Option<MessageId>)> {
    if let Some(c) = out.created.first() {
        return Ok((c.ticket_id, c.message_ids.first().copied()));
    }
    match (first_updated, out.updated.first()) {
        (Some(t), Some(u)) => Ok((t, u.message_ids.first().copied())),
        _ => Err(crate::StoreError::InvalidReference("a mail was applied by a change of no ticket".into())),
    }
}
