//! Drafts of replies and notes (issue 18): what a person typed on a ticket
//! and has not sent, kept on the server so it follows them to another
//! machine. One draft per user and ticket; only one's own; a draft of a
//! ticket one can no longer see is neither shown nor saved; a sent message
//! removes its writer's draft in the same desk call ([`Desk::reply`],
//! [`Desk::note`]).

use crate::Desk;
use crate::error::{DeskError, DeskResult};
use serde::{Deserialize, Serialize};
use tessera_core::ids::TicketId;
use tessera_core::message::MAX_BODY_BYTES;
use tessera_core::message::MessageKind;
use tessera_core::{Actor, Timestamp};
use tessera_store::Draft;

/// A draft as the doors show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftView {
    /// The ticket it is for.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub ticket_id: TicketId,
    /// `reply` or `note`.
    pub kind: String,
    /// The text so far.
    pub body: String,
    /// When it was last saved.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

impl From<Draft> for DraftView {
    fn from(d: Draft) -> Self {
        Self { ticket_id: d.ticket_id, kind: d.kind.as_str().to_string(), body: d.body, updated_at: d.updated_at }
    }
}

/// Saving a draft: the text and what it will be. An empty (or blank) text
/// discards the draft.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SaveDraft {
    /// `reply` (the default) or `note` (agents).
    #[serde(default)]
    pub kind: Option<String>,
    /// The text so far (at most 256 KiB, as a message).
    pub body: String,
}

impl Desk {
    /// The actor's own draft on a ticket, if any. Not found when the actor
    /// may not see the ticket (any more): such a draft is not shown.
    pub async fn draft(&self, actor: &Actor, ticket: TicketId) -> DeskResult<Option<DraftView>> {
        self.visible_ticket(actor, ticket).await?;
        Ok(self.store.draft(actor.user_id, ticket).await?.map(DraftView::from))
    }

    /// Saves the actor's draft on a ticket they can see; a blank text
    /// discards it (answers `None`). Customers keep replies only; a text
    /// longer than a message may be is refused (`body`, `too_long`).
    pub async fn save_draft(&self, actor: &Actor, ticket: TicketId, input: SaveDraft) -> DeskResult<Option<DraftView>> {
        self.visible_ticket(actor, ticket).await?;
        let kind = match input.kind.as_deref() {
            None | Some("") => MessageKind::Reply,
            Some(k) => MessageKind::parse(k)
                .ok_or_else(|| DeskError::invalid("kind", "invalid", "a draft is a reply or a note"))?,
        };
        if kind == MessageKind::Note && !actor.is_staff() {
            return Err(DeskError::forbidden_field("kind", "customers cannot add internal notes"));
        }
        if input.body.len() > MAX_BODY_BYTES {
            return Err(DeskError::invalid("body", "too_long", "the draft is longer than 256 KiB"));
        }
        if input.body.trim().is_empty() {
            self.store.delete_draft(actor.user_id, ticket).await?;
            return Ok(None);
        }
        let draft = Draft { user_id: actor.user_id, ticket_id: ticket, kind, body: input.body, updated_at: self.now() };
        self.store.save_draft(draft.clone()).await?;
        Ok(Some(draft.into()))
    }

    /// Discards the actor's draft on a ticket they can see; answers whether
    /// there was one.
    pub async fn discard_draft(&self, actor: &Actor, ticket: TicketId) -> DeskResult<bool> {
        self.visible_ticket(actor, ticket).await?;
        Ok(self.store.delete_draft(actor.user_id, ticket).await?)
    }

    /// After a message was sent: its writer's draft on the ticket is done.
    /// The message stands even if this fails (it is logged).
    pub(crate) async fn draft_sent(&self, actor: &Actor, ticket: TicketId) {
        if let Err(e) = self.store.delete_draft(actor.user_id, ticket).await {
            tracing::warn!(ticket = ticket.0, error = %e, "a sent message's draft was not removed");
        }
    }
}
