//! Messages on a ticket: replies and notes (a reply to a closed ticket
//! opens a follow-up), edits, deletions and ratings.

use super::Posted;
use super::change::{Also, Work};
use crate::diff::Events;
use crate::error::{DeskError, DeskResult};
use crate::hooks::{Validation, ValidationPoint};
use crate::inputs::*;
use crate::{Desk, random};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tessera_core::custom_field::{CustomFieldDef, FieldType};
use tessera_core::event::EventKind;
use tessera_core::ids::*;
use tessera_core::message::{MessageKind, validate_rating};
use tessera_core::status::{self, ReplyOutcome, StatusCategory, StatusKey, StatusRef};
use tessera_core::ticket::ClosedReason;
use tessera_core::{Actor, Message, Ticket, Timestamp};
use tessera_store::*;

/// A message edit checked and ready to join a change.
pub(super) struct PreparedEdit {
    pub(super) message: Message,
    pub(super) body: String,
    pub(super) html: Option<String>,
    /// The quote offset after the edit ([`tessera_core::message::quote_after_edit`]).
    pub(super) quote_start: Option<u32>,
}

impl PreparedEdit {
    /// Adds the edit and its event to a change.
    pub(super) fn apply(&self, actor: &Actor, now: Timestamp, work: &mut Work) {
        let m = &self.message;
        work.change.message_updates.push(MessageUpdate {
            message_id: m.id,
            body: self.body.clone(),
            html: self.html.clone(),
            quote_start: self.quote_start,
            previous_body: m.body.clone(),
            previous_html: m.html.clone(),
            editor_id: actor.user_id,
            at: now,
        });
        // The text stays out of the event: the message and its history hold
        // it, and deleting the message must erase it everywhere.
        work.events.push(
            EventKind::MessageEdited,
            Some(MessageRef::Existing(m.id)),
            BTreeMap::new(),
            json!({"kind": m.kind}),
        );
    }
}

/// A reply to a closed ticket: what the follow-up it opens starts with.
pub(super) struct FollowUpReply<'a> {
    pub(super) message: NewMessage,
    pub(super) chosen: Option<StatusRef>,
    pub(super) fields: &'a BTreeMap<String, Value>,
}

impl Desk {
    /// Adds a public reply. A reply to a closed ticket opens a linked follow-up.
    /// The writer's draft on the ticket is removed with it.
    pub async fn reply(&self, actor: &Actor, id: TicketId, input: PostMessage, origin: &Origin) -> DeskResult<Posted> {
        let posted = self.post(actor, id, input, origin, MessageKind::Reply, None).await?;
        self.draft_sent(actor, id).await;
        Ok(posted)
    }

    /// Adds an internal note (agents only). The writer's draft on the
    /// ticket is removed with it.
    pub async fn note(&self, actor: &Actor, id: TicketId, input: PostMessage, origin: &Origin) -> DeskResult<Posted> {
        let posted = self.post(actor, id, input, origin, MessageKind::Note, None).await?;
        self.draft_sent(actor, id).await;
        Ok(posted)
    }

    /// An internal note in someone else's name: mail from a person who is
    /// not on the ticket, kept for the agents and never shown to the
    /// customer. Staff only (the mail gateway acts as the system).
    pub(crate) async fn note_from(
        &self,
        actor: &Actor,
        id: TicketId,
        input: PostMessage,
        origin: &Origin,
        author: tessera_core::message::Author,
    ) -> DeskResult<Posted> {
        self.post(actor, id, input, origin, MessageKind::Note, Some(author)).await
    }

    /// A reply in a customer's name who has no say of their own on the
    /// ticket but is on its cc: mail from a copied address answering the
    /// thread. It counts as the customer side's reply. Staff only (the mail
    /// gateway acts as the system).
    pub(crate) async fn reply_from(
        &self,
        actor: &Actor,
        id: TicketId,
        input: PostMessage,
        origin: &Origin,
        author: tessera_core::message::Author,
    ) -> DeskResult<Posted> {
        self.post(actor, id, input, origin, MessageKind::Reply, Some(author)).await
    }

    /// The last public message (reply) of a ticket, the one a writer's
    /// `if_last_message_id` names: notes do not count, deleted replies do.
    pub async fn last_public_message_id(&self, actor: &Actor, id: TicketId) -> DeskResult<Option<MessageId>> {
        self.visible_ticket(actor, id).await?;
        Ok(self.store.messages(id, false).await?.iter().map(|m| m.id).max())
    }

    /// Refuses a message whose writer has not seen the ticket's latest
    /// public message (issue 18: no double answers).
    async fn check_no_new_reply(&self, id: TicketId, expected: MessageId) -> DeskResult<()> {
        let latest = self.store.messages(id, false).await?.iter().map(|m| m.id).max();
        match latest {
            Some(l) if l > expected => Err(DeskError::Conflict {
                code: "new_reply",
                message: format!("a reply arrived since message {expected} (the latest is {l}); read it first"),
                field: Some("if_last_message_id".into()),
            }),
            _ => Ok(()),
        }
    }

    async fn post(
        &self,
        actor: &Actor,
        id: TicketId,
        input: PostMessage,
        origin: &Origin,
        kind: MessageKind,
        named: Option<tessera_core::message::Author>,
    ) -> DeskResult<Posted> {
        let current = self.visible_ticket(actor, id).await?;
        if let Some(expected) = input.if_last_message_id {
            self.check_no_new_reply(id, expected).await?;
        }
        let staff = actor.is_staff();
        if kind == MessageKind::Note && !staff {
            return Err(DeskError::forbidden("customers cannot add internal notes"));
        }
        if kind == MessageKind::Note && current.status_category == StatusCategory::Closed {
            return Err(tessera_core::DomainError::Closed.into());
        }
        if !staff && input.status.is_some() {
            return Err(DeskError::forbidden_field("status", "customers may not choose the status"));
        }
        if !staff && input.priority.is_some_and(|p| p != current.priority) {
            return Err(DeskError::forbidden_field("priority", "customers may not change the priority"));
        }
        if !staff && input.no_email {
            return Err(DeskError::forbidden_field("no_email", "only agents hold back the customer's mail"));
        }
        let no_email = input.no_email;
        // An agent passing on a customer's words: the reply is the customer's.
        let on_behalf = match input.author_id {
            None => None,
            Some(_) if kind == MessageKind::Note => {
                return Err(DeskError::invalid("author_id", "conflict", "an internal note is the agent's own"));
            }
            Some(a) => Some(self.customer_author(actor, a, current.requester_id, current.organization_id).await?),
        };
        let customer_named = kind == MessageKind::Reply && named.as_ref().is_some_and(|a| !a.staff);
        let side = if on_behalf.is_some() || customer_named { tessera_core::Side::Customer } else { actor.side() };
        let agent_wrote = side != tessera_core::Side::Customer;
        if !agent_wrote && current.locked && kind == MessageKind::Reply {
            return Err(tessera_core::DomainError::Locked.into());
        }
        let (body, html) = self.message_text(&input.body, input.html.as_deref(), input.encrypted)?;
        self.check_attachments(actor, &input.attachment_ids).await?;
        let chosen = match &input.status {
            Some(k) => Some(self.status_ref("status", k).await?),
            None => None,
        };
        let defs = self.field_defs().await?;
        let author = match (on_behalf, named) {
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => self.author_of(actor).await?,
        };
        let now = self.now();
        let message = NewMessage {
            kind,
            author,
            quote_start: Self::mail_quote_start(origin, &input.body),
            body,
            html,
            channel: origin.channel,
            author_ip: origin.ip.clone(),
            encrypted: input.encrypted,
            email_message_id: origin.mail.as_ref().and_then(|m| m.mail_id.clone()),
            attachment_ids: input.attachment_ids.clone(),
            created_at: now,
        };
        if kind == MessageKind::Reply {
            let point = if agent_wrote { ValidationPoint::AdminReply } else { ValidationPoint::ClientReply };
            self.run_validation(Validation {
                point,
                ticket: &current,
                body: input.body.trim_end(),
                actor,
                author_name: &message.author.name,
                author_ip: origin.ip.as_deref(),
            })
            .await?;
        }
        if kind == MessageKind::Reply && current.status_category == StatusCategory::Closed {
            let reply = FollowUpReply { message, chosen, fields: &input.custom_fields };
            return self.follow_up(actor, side, &current, reply, &defs, origin).await;
        }
        // `@mentions` in an agent's own words (crate::mentions): not in a
        // customer's, not in words passed on, not in mail made a note.
        let own_words = staff && agent_wrote && message.author.user_id == Some(actor.user_id);
        let mentions = if own_words && input.body.contains('@') {
            self.mentioned_agents(actor.user_id, &current, &input.body).await?
        } else {
            Vec::new()
        };
        let (ticket, ids) = self
            .modify_saving(
                actor,
                id,
                None,
                &defs,
                Also { users: &[], mail: origin.mail.as_ref(), blocks: &[] },
                |old, new, work| {
                    work.events = Events::on_side(actor, side, now);
                    // The agent's choice of status stands also for a customer's
                    // words they pass on (once the lock is checked for them).
                    let deciding = if chosen.is_some() && !agent_wrote {
                        status::after_reply(&old.status_ref(), side, old.locked, None)?;
                        tessera_core::Side::Agent
                    } else {
                        side
                    };
                    let target = match kind {
                        MessageKind::Reply => {
                            match status::after_reply(&old.status_ref(), deciding, old.locked, chosen.as_ref())? {
                                ReplyOutcome::Status(s) => s,
                                ReplyOutcome::FollowUp => {
                                    return Err(DeskError::Conflict {
                                        code: "ticket_closed",
                                        message: "the ticket was closed meanwhile; reply again to open a follow-up"
                                            .into(),
                                        field: None,
                                    });
                                }
                            }
                        }
                        MessageKind::Note => status::after_note(&old.status_ref(), chosen.as_ref())?,
                    };
                    new.apply_status(&target, now);
                    if target.category == StatusCategory::Closed {
                        new.closed_reason = Some(ClosedReason::Manual);
                    }
                    if let Some(p) = input.priority {
                        new.priority = p;
                    }
                    if !input.custom_fields.is_empty() {
                        let department = new.department_id;
                        self.apply_custom_fields(
                            actor,
                            &defs,
                            department,
                            &input.custom_fields,
                            &mut new.custom_fields,
                            false,
                        )?;
                    }
                    Self::wipe_secrets(&defs, new);
                    if kind == MessageKind::Reply {
                        new.last_reply_at = Some(now);
                        if agent_wrote {
                            new.last_agent_reply_at = Some(now);
                            new.first_response_at.get_or_insert(now);
                            new.customer_unread = true;
                        } else {
                            new.last_customer_reply_at = Some(now);
                            new.agent_unread = true;
                        }
                    }
                    let event =
                        if kind == MessageKind::Reply { EventKind::TicketReplied } else { EventKind::NoteAdded };
                    let mut data = serde_json::Map::new();
                    if no_email {
                        data.insert("no_email".into(), Value::Bool(true));
                    }
                    if !mentions.is_empty() {
                        data.insert("mentions".into(), json!(mentions));
                    }
                    let data = if data.is_empty() { Value::Null } else { Value::Object(data) };
                    work.events.push(event, Some(MessageRef::New(0)), BTreeMap::new(), data);
                    work.change.new_messages = vec![message.clone()];
                    Ok(())
                },
            )
            .await?;
        let mid = ids.message_ids.first().copied().ok_or_else(|| DeskError::Internal("no message id".into()))?;
        let stored = message.stored(mid, id);
        Ok(Posted {
            ticket: self.present_ticket(actor, &defs, ticket),
            message: self.present_message(actor, stored)?,
            follow_up: false,
        })
    }

    async fn follow_up(
        &self,
        actor: &Actor,
        side: tessera_core::Side,
        closed: &Ticket,
        reply: FollowUpReply<'_>,
        defs: &[CustomFieldDef],
        origin: &Origin,
    ) -> DeskResult<Posted> {
        let FollowUpReply { message, chosen, fields } = reply;
        let now = self.now();
        // Who wrote: an agent, or a customer (themselves or through an agent).
        let staff = side != tessera_core::Side::Customer;
        let status = if staff {
            chosen
                .filter(|s| !matches!(s.category, StatusCategory::New | StatusCategory::Closed))
                .unwrap_or_else(|| StatusRef::builtin(StatusKey::ANSWERED))
        } else {
            StatusRef::builtin(StatusKey::NEW)
        };
        let mut t = closed.clone();
        t.id = TicketId(0);
        t.number = String::new();
        t.access_key = random::hex_token::<16>()?;
        t.follow_up_of_id = Some(closed.id);
        t.merged_into_id = None;
        t.status = StatusKey::new(StatusKey::NEW);
        t.status_category = StatusCategory::New;
        t.closed_reason = None;
        t.locked = false;
        t.archived = false;
        t.created_at = now;
        t.updated_at = now;
        t.last_reply_at = Some(now);
        t.last_customer_reply_at = (!staff).then_some(now);
        t.last_agent_reply_at = staff.then_some(now);
        t.first_response_at = None;
        t.awaiting_agent_since = None;
        t.solved_at = None;
        t.closed_at = None;
        t.due_at = None;
        t.customer_unread = staff;
        t.agent_unread = !staff;
        t.version = 1;
        t.custom_fields.retain(|k, _| defs.iter().any(|d| &d.key == k && d.field_type != FieldType::Secret));
        // Fields sent with the reply go to the follow-up it opens.
        self.apply_custom_fields(actor, defs, t.department_id, fields, &mut t.custom_fields, false)?;
        t.apply_status(&status, now);
        let mut events = Events::on_side(actor, side, now);
        events.push(
            EventKind::TicketCreated,
            Some(MessageRef::New(0)),
            BTreeMap::new(),
            json!({"follow_up_of_id": closed.id, "status": t.status, "source": t.source}),
        );
        let create = TicketCreate {
            ticket: t.clone(),
            new_requester: None,
            messages: vec![message.clone()],
            events: events.list,
        };
        let out = self
            .store
            .commit(ChangeSet {
                creates: vec![create],
                updates: vec![],
                users: vec![],
                mail: origin.mail.clone(),
                blocks: vec![],
            })
            .await?;
        let ids =
            out.created.into_iter().next().ok_or_else(|| DeskError::Internal("the store created nothing".into()))?;
        self.refresh_sla(ids.ticket_id).await;
        let mut ticket = t;
        ticket.id = ids.ticket_id;
        ticket.number = ids.number;
        let mid = ids.message_ids.first().copied().ok_or_else(|| DeskError::Internal("no message id".into()))?;
        let stored = message.stored(mid, ticket.id);
        Ok(Posted {
            ticket: self.present_ticket(actor, defs, ticket),
            message: self.present_message(actor, stored)?,
            follow_up: true,
        })
    }

    // ---- update ----------------------------------------------------------------------------------

    /// Edits a message: agents any message of a ticket they work, customers
    /// their own replies. The previous text is kept in the history.
    pub async fn edit_message(&self, actor: &Actor, id: MessageId, input: EditMessage) -> DeskResult<Message> {
        let (t, m) = self.visible_message(actor, id).await?;
        let edit = self.prepare_edit(actor, &t, m, &input)?;
        let defs = self.field_defs().await?;
        let now = self.now();
        self.modify(actor, t.id, None, &defs, |_, _, work| {
            edit.apply(actor, now, work);
            Ok(())
        })
        .await?;
        self.message(actor, id).await
    }

    /// Checks that `actor` may edit `m` of `t` and prepares the new text.
    pub(super) fn prepare_edit(
        &self,
        actor: &Actor,
        t: &Ticket,
        m: Message,
        input: &EditMessage,
    ) -> DeskResult<PreparedEdit> {
        let own = m.author.user_id == Some(actor.user_id);
        if !(actor.can_work(t) || own) {
            return Err(DeskError::forbidden("customers may edit only their own replies"));
        }
        if !actor.is_staff() && t.locked {
            return Err(tessera_core::DomainError::Locked.into());
        }
        if m.deleted_at.is_some() {
            return Err(DeskError::Conflict {
                code: "message_deleted",
                message: "a deleted message cannot be edited".into(),
                field: None,
            });
        }
        let (body, html) = self.message_text(&input.body, input.html.as_deref(), m.encrypted)?;
        // The fold of a mailed message stays when the edit leaves its quoted
        // part as it was (an agent removing a password from the new text);
        // otherwise it goes, and the whole edited text is shown.
        let quote_start = match m.quote_start {
            None => None,
            Some(_) => {
                let old = if m.encrypted { self.secrets.open("message", &m.body)? } else { m.body.clone() };
                tessera_core::message::quote_after_edit(&old, m.quote_start, input.body.trim_end())
            }
        };
        Ok(PreparedEdit { message: m, body, html, quote_start })
    }

    /// Deletes a message (agents only): its text is erased, a trace stays.
    pub async fn delete_message(&self, actor: &Actor, id: MessageId) -> DeskResult<()> {
        let (t, m) = self.visible_message(actor, id).await?;
        if !actor.can_work(&t) {
            return Err(DeskError::forbidden("only agents delete messages"));
        }
        if m.deleted_at.is_some() {
            return Ok(());
        }
        let defs = self.field_defs().await?;
        let now = self.now();
        self.modify(actor, t.id, None, &defs, |_, _, work| {
            work.change.message_deletes = vec![(id, now)];
            work.events.push(
                EventKind::MessageDeleted,
                Some(MessageRef::Existing(id)),
                BTreeMap::new(),
                json!({"kind": m.kind}),
            );
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// Rates an agent reply (the ticket's requester only).
    pub async fn rate_message(&self, actor: &Actor, id: MessageId, rating: u8) -> DeskResult<Message> {
        let (t, m) = self.visible_message(actor, id).await?;
        let rating = validate_rating(rating)?;
        if t.requester_id != actor.user_id {
            return Err(DeskError::forbidden("only the requester rates replies"));
        }
        if !(m.kind == MessageKind::Reply && m.author.staff) {
            return Err(DeskError::invalid("message", "not_rateable", "only agent replies can be rated"));
        }
        let defs = self.field_defs().await?;
        self.modify(actor, t.id, None, &defs, |_, _, work| {
            work.change.ratings = vec![(id, rating)];
            work.events.push(
                EventKind::MessageRated,
                Some(MessageRef::Existing(id)),
                BTreeMap::from([(
                    "rating".to_string(),
                    tessera_core::Change { old: json!(m.rating), new: json!(rating) },
                )]),
                Value::Null,
            );
            Ok(())
        })
        .await?;
        self.message(actor, id).await
    }
}
