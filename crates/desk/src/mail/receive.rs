//! Taking a raw message in: its bytes stored first (a blob addressed by its
//! SHA-256, so the same message handed in twice is kept once), then its
//! row, committed — only then may the source be told it was taken. And the
//! reads an admin and the gateway need: a message's row, its raw bytes, the
//! list by state.

use crate::{Desk, DeskError, DeskResult};
use tessera_core::Actor;
use tessera_core::ids::{InboundId, TicketId};
use tessera_store::{InboundRecord, InboundState, MailSource, NewInbound};

/// The largest raw message taken in, in bytes: room for the API's largest
/// attachments several times over, base64 and all.
pub const MAX_RAW_BYTES: usize = 64 * 1024 * 1024;

/// Where a raw message is handed in, as its source says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    /// The source.
    pub source: MailSource,
    /// The IMAP mailbox it was fetched from.
    pub mailbox_id: Option<i64>,
    /// The envelope recipient an MTA named (`--to`), if any.
    pub envelope_to: Option<String>,
}

impl Desk {
    /// Keeps a raw message: the blob first, then its row. Answers the row
    /// and whether it is new (`false`: these very bytes were handed in
    /// before, and the earlier row stands). Once this returns, the message
    /// is never lost; the source may be told so. Admins and Tessera itself
    /// only (the mail gateway acts as [`Actor::system`]).
    pub async fn store_raw_mail(
        &self,
        actor: &Actor,
        raw: Vec<u8>,
        from: Handover,
    ) -> DeskResult<(InboundRecord, bool)> {
        if !actor.is_admin() {
            return Err(DeskError::forbidden("only admins hand in mail"));
        }
        if raw.len() > MAX_RAW_BYTES {
            return Err(DeskError::TooLarge(format!("a message may be at most {MAX_RAW_BYTES} bytes")));
        }
        let size = i64::try_from(raw.len()).unwrap_or(i64::MAX);
        let envelope_to = from.envelope_to.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        if envelope_to.as_ref().is_some_and(|t| t.len() > 320) {
            return Err(DeskError::invalid("to", "too_long", "an address is at most 320 characters"));
        }
        let sha256 = self.blobs.put(raw).await?;
        let new = NewInbound {
            sha256,
            size,
            source: from.source,
            mailbox_id: from.mailbox_id,
            envelope_to,
            received_at: self.now(),
        };
        Ok(self.store.record_inbound(new).await?)
    }

    /// An inbound message's row. Admins only.
    pub async fn inbound_mail(&self, actor: &Actor, id: InboundId) -> DeskResult<InboundRecord> {
        if !actor.is_admin() {
            return Err(DeskError::forbidden("only admins see the mail that came in"));
        }
        self.store.inbound(id).await?.ok_or_else(|| DeskError::not_found("inbound message"))
    }

    /// An inbound message's raw bytes, as they were handed in. Admins only.
    pub async fn raw_mail(&self, actor: &Actor, id: InboundId) -> DeskResult<Vec<u8>> {
        let record = self.inbound_mail(actor, id).await?;
        Ok(self.blobs.get(&record.sha256).await?)
    }

    /// Inbound messages, newest first, in `state` if one is named, before
    /// `before` (for paging). Admins only.
    pub async fn inbound_mails(
        &self,
        actor: &Actor,
        state: Option<InboundState>,
        before: Option<InboundId>,
        limit: u32,
    ) -> DeskResult<Vec<InboundRecord>> {
        if !actor.is_admin() {
            return Err(DeskError::forbidden("only admins see the mail that came in"));
        }
        Ok(self.store.list_inbound(state, before, limit.clamp(1, 200)).await?)
    }

    /// What a ticket's page shows agents of the mail about it, from one
    /// read of its inbound rows: the machine-made mail (auto-replies,
    /// bounces of mail about it) as small timeline entries, oldest first,
    /// and which rule threaded each message that came by e-mail
    /// (`in_reply_to`, `references`, `token`, … — see `MatchedBy`), so a
    /// reply that joined the wrong ticket says why. Staff who may see the
    /// ticket.
    pub async fn mail_of_ticket(&self, actor: &Actor, ticket: TicketId) -> DeskResult<TicketMail> {
        let _ = self.visible_ticket(actor, ticket).await?;
        if !actor.is_staff() {
            return Err(DeskError::forbidden("only agents see the mail about a ticket"));
        }
        let mut out = TicketMail::default();
        for r in self.store.inbound_of_ticket(ticket, 500).await? {
            match r.state {
                InboundState::Automatic => out.automatic.push(r),
                InboundState::Applied => {
                    if let (Some(message), Some(rule)) = (r.message_ref, r.matched_by) {
                        out.matched.push((message, rule));
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// How many inbound messages there are by source, state and threading
    /// rule: the mail metrics. Admins only.
    pub async fn inbound_tally(&self, actor: &Actor) -> DeskResult<Vec<tessera_store::InboundTally>> {
        if !actor.is_admin() {
            return Err(DeskError::forbidden("only admins read the installation's figures"));
        }
        Ok(self.store.inbound_tally().await?)
    }

    /// Inbound messages still waiting to be applied (stored, not yet
    /// applied: the gateway was stopped or failed after storing them),
    /// oldest first. For the gateway's catch-up at start and after errors.
    pub async fn mail_to_apply(&self, actor: &Actor, limit: u32) -> DeskResult<Vec<InboundRecord>> {
        if !actor.is_admin() {
            return Err(DeskError::forbidden("only admins apply mail"));
        }
        Ok(self.store.inbound_to_apply(limit.clamp(1, 500)).await?)
    }
}

/// The mail about one ticket, as its page shows it to agents
/// ([`Desk::mail_of_ticket`]).
#[derive(Debug, Clone, Default)]
pub struct TicketMail {
    /// Machine-made mail recorded against it, oldest first.
    pub automatic: Vec<InboundRecord>,
    /// Each mailed message and the rule that threaded it.
    pub matched: Vec<(tessera_core::ids::MessageId, String)>,
}
