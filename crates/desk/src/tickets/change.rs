//! How a ticket change is made: read the ticket, build the new state and
//! its events, commit with the version checked, and retry with a short
//! pause when someone else changed the ticket first. And the checks and
//! pieces every change shares: attachments, cc, custom fields, message
//! text, authors, auto-assignment, wiping secrets.

use crate::Desk;
use crate::diff::Events;
use crate::error::{DeskError, DeskResult};
use crate::html::sanitize_opt;
use serde_json::Value;
use std::collections::BTreeMap;
use tessera_core::custom_field::{CustomFieldDef, FieldType, is_empty_value};
use tessera_core::ids::*;
use tessera_core::message::{Author, validate_body};
use tessera_core::ticket::Cc;
use tessera_core::{Actor, AutoAssign, Department, Ticket, Timestamp};
use tessera_store::*;

/// Attempts before an operation without a caller's version gives up on a
/// ticket that keeps changing under it.
pub(super) const RETRIES: usize = 64;

/// A short, growing, jittered pause before retrying after a conflict, so
/// writers racing for one ticket spread out instead of colliding again.
pub(super) async fn backoff(attempt: usize) {
    let cap_ms = (1u64 << attempt.min(6)).min(50);
    let jitter = crate::random::bytes::<1>().map_or(0, |b| u64::from(b[0]));
    tokio::time::sleep(std::time::Duration::from_micros((jitter * cap_ms * 1000) / 255)).await;
}

/// What a ticket change writes besides the ticket, in the same commit.
#[derive(Default, Clone, Copy)]
pub(super) struct Also<'a> {
    /// Users saved with it (already validated).
    pub(super) users: &'a [tessera_core::User],
    /// The inbound e-mail it applies.
    pub(super) mail: Option<&'a MailApplied>,
    /// Entries added to the blocked-senders list with it.
    pub(super) blocks: &'a [tessera_store::NewSenderBlock],
}

/// What a modification closure produces besides the new ticket state.
pub(super) struct Work {
    pub(super) change: TicketChange,
    pub(super) events: Events,
}

impl Desk {
    /// Reads the ticket, lets `f` change a copy, derives the events and
    /// commits with a version check. Without a caller's version a conflict
    /// is retried on the fresh ticket; with one it is a version mismatch.
    /// Answers the committed ticket (unchanged when `f` changed nothing).
    pub(super) async fn modify<F>(
        &self,
        actor: &Actor,
        id: TicketId,
        expected: Option<i64>,
        defs: &[CustomFieldDef],
        f: F,
    ) -> DeskResult<(Ticket, UpdatedIds)>
    where
        F: FnMut(&Ticket, &mut Ticket, &mut Work) -> DeskResult<()>,
    {
        self.modify_saving(actor, id, expected, defs, Also::default(), f).await
    }

    /// [`Desk::modify`], saving `users` (already validated) in the same
    /// commit: all or nothing, even when the ticket itself does not change.
    pub(super) async fn modify_saving<F>(
        &self,
        actor: &Actor,
        id: TicketId,
        expected: Option<i64>,
        defs: &[CustomFieldDef],
        also: Also<'_>,
        mut f: F,
    ) -> DeskResult<(Ticket, UpdatedIds)>
    where
        F: FnMut(&Ticket, &mut Ticket, &mut Work) -> DeskResult<()>,
    {
        for attempt in 0..RETRIES {
            if attempt > 0 {
                backoff(attempt).await;
            }
            let old = self.visible_ticket(actor, id).await?;
            if let Some(v) = expected
                && v != old.version
            {
                return Err(DeskError::VersionMismatch { current: old.version });
            }
            let (new, updates) = match Self::build_change(actor, self.now(), &old, defs, &mut f)? {
                Some((new, change)) => (new, vec![change]),
                None if also.users.is_empty() && also.mail.is_none() && also.blocks.is_empty() => {
                    return Ok((old, UpdatedIds { message_ids: vec![], event_ids: vec![] }));
                }
                None => (old, vec![]),
            };
            match self
                .store
                .commit(ChangeSet {
                    creates: vec![],
                    updates,
                    users: also.users.to_vec(),
                    mail: also.mail.cloned(),
                    blocks: also.blocks.to_vec(),
                })
                .await
            {
                Ok(mut out) => {
                    let ids = out.updated.pop().unwrap_or(UpdatedIds { message_ids: vec![], event_ids: vec![] });
                    self.refresh_sla(id).await;
                    return Ok((new, ids));
                }
                Err(StoreError::VersionConflict) if expected.is_none() => continue,
                Err(StoreError::VersionConflict) => {
                    let current = self.store.ticket(id).await?.map_or(-1, |t| t.version);
                    return Err(DeskError::VersionMismatch { current });
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DeskError::Conflict { code: "busy", message: "the ticket kept changing; try again".into(), field: None })
    }

    /// [`Desk::modify`] over several tickets at once: one commit for all
    /// (all or nothing), each ticket one version and its own events.
    pub(super) async fn modify_many<F>(
        &self,
        actor: &Actor,
        ids: &[TicketId],
        defs: &[CustomFieldDef],
        mut f: F,
    ) -> DeskResult<Vec<Ticket>>
    where
        F: FnMut(&Ticket, &mut Ticket, &mut Work) -> DeskResult<()>,
    {
        for attempt in 0..RETRIES {
            if attempt > 0 {
                backoff(attempt).await;
            }
            let now = self.now();
            let (mut tickets, mut updates) = (Vec::new(), Vec::new());
            for id in ids {
                let old = self.visible_ticket(actor, *id).await?;
                match Self::build_change(actor, now, &old, defs, &mut f)? {
                    Some((new, change)) => {
                        tickets.push(new);
                        updates.push(change);
                    }
                    None => tickets.push(old),
                }
            }
            if updates.is_empty() {
                return Ok(tickets);
            }
            let touched: Vec<TicketId> = updates.iter().map(|u| u.ticket.id).collect();
            match self
                .store
                .commit(ChangeSet { creates: vec![], updates, users: vec![], mail: None, blocks: vec![] })
                .await
            {
                Ok(_) => {
                    for t in touched {
                        self.refresh_sla(t).await;
                    }
                    return Ok(tickets);
                }
                Err(StoreError::VersionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DeskError::Conflict { code: "busy", message: "the tickets kept changing; try again".into(), field: None })
    }

    /// The change `f` makes to `old`, with the events that describe it;
    /// `None` when it changes nothing.
    fn build_change<F>(
        actor: &Actor,
        now: Timestamp,
        old: &Ticket,
        defs: &[CustomFieldDef],
        f: &mut F,
    ) -> DeskResult<Option<(Ticket, TicketChange)>>
    where
        F: FnMut(&Ticket, &mut Ticket, &mut Work) -> DeskResult<()>,
    {
        let mut new = old.clone();
        let mut work = Work { change: TicketChange::new(old.clone(), old.version), events: Events::new(actor, now) };
        f(old, &mut new, &mut work)?;
        let mut events = std::mem::take(&mut work.events.list);
        let mut diff = work.events.sibling();
        diff.diff(old, &new, defs);
        events.extend(diff.list);
        if events.is_empty() && work.change.new_messages.is_empty() {
            return Ok(None);
        }
        new.version = old.version + 1;
        // A customer's rating is not an update of the ticket: the "last
        // update" lists sort by stays (issue 18, item 15); the version moves.
        let only_ratings = work.change.new_messages.is_empty()
            && events.iter().all(|e| e.kind == tessera_core::event::EventKind::MessageRated);
        if !only_ratings {
            new.updated_at = now;
        }
        let mut change = work.change;
        change.ticket = new.clone();
        change.expected_version = old.version;
        change.events = events;
        Ok(Some((new, change)))
    }

    pub(super) async fn check_attachments(&self, actor: &Actor, ids: &[AttachmentId]) -> DeskResult<()> {
        if ids.len() > self.limits.max_attachments_per_message {
            return Err(DeskError::invalid(
                "attachment_ids",
                "too_many",
                format!("a message has at most {} attachments", self.limits.max_attachments_per_message),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            let ok = seen.insert(*id)
                && self
                    .store
                    .attachment(*id)
                    .await?
                    .is_some_and(|a| a.uploader_id == actor.user_id && a.message_id.is_none());
            if !ok {
                return Err(DeskError::invalid(
                    "attachment_ids",
                    "unknown_attachment",
                    format!("attachment {id} is not an unused upload of yours"),
                ));
            }
        }
        Ok(())
    }

    pub(super) async fn check_cc(&self, cc: &Cc) -> DeskResult<Cc> {
        if cc.emails.len() + cc.agent_ids.len() > 50 {
            return Err(DeskError::invalid("cc", "too_many", "at most 50 followers"));
        }
        for a in &cc.agent_ids {
            self.staff_user("cc.agent_ids", *a).await?;
        }
        Ok(cc.clone().normalized())
    }

    /// Validates custom field values set by `actor` on a ticket of
    /// `department` and merges them into `current`. When `creating`, every
    /// required field the actor can set must have a value.
    ///
    /// "Required" means required when a ticket is opened: on a ticket that
    /// exists, "no value" (empty, or an unticked box) for a required field
    /// the ticket has no value of is accepted and changes nothing, so a
    /// field added later never blocks changes to older tickets (a form
    /// sends every field it shows). A value the ticket has is still never
    /// cleared.
    pub(super) fn apply_custom_fields(
        &self,
        actor: &Actor,
        defs: &[CustomFieldDef],
        department: DepartmentId,
        input: &BTreeMap<String, Value>,
        current: &mut BTreeMap<String, Value>,
        creating: bool,
    ) -> DeskResult<()> {
        for (key, value) in input {
            let field = format!("custom_fields.{key}");
            let Some(def) = defs.iter().find(|d| &d.key == key && d.applies_to(department)) else {
                return Err(DeskError::invalid(
                    &field,
                    "unknown_field",
                    format!("there is no custom field {key:?} for this department"),
                ));
            };
            if !actor.can_edit_field(def) {
                return Err(DeskError::forbidden_field(&field, format!("customers may not set {key}")));
            }
            if !creating && def.required && is_no_value(value) && current.get(key).is_none_or(is_no_value) {
                continue;
            }
            let norm = def.validate(value)?;
            if norm.is_null() {
                current.remove(key);
            } else if def.field_type == FieldType::Secret {
                let plain = norm.as_str().unwrap_or_default();
                current.insert(key.clone(), Value::String(self.secrets.seal(&format!("custom_field:{key}"), plain)?));
            } else {
                current.insert(key.clone(), norm);
            }
        }
        if creating {
            for def in defs.iter().filter(|d| d.required && d.applies_to(department) && actor.can_edit_field(d)) {
                if current.get(&def.key).is_none_or(is_empty_value) {
                    def.validate(&Value::Null)?;
                }
            }
        }
        Ok(())
    }

    pub(super) fn message_text(
        &self,
        body: &str,
        html: Option<&str>,
        encrypted: bool,
    ) -> DeskResult<(String, Option<String>)> {
        let body = validate_body(body)?;
        let html = sanitize_opt(html);
        if encrypted {
            let body = self.secrets.seal("message", &body)?;
            let html = html.map(|h| self.secrets.seal("message", &h)).transpose()?;
            Ok((body, html))
        } else {
            Ok((body, html))
        }
    }

    /// The quote offset of a message the mail path writes (none for every
    /// other origin), checked against the plain body as it is stored
    /// ([`validate_body`] trims only its end), so it never splits a
    /// character or points past the text; computed before encryption, it
    /// holds for the decrypted body of an encrypted message.
    pub(super) fn mail_quote_start(origin: &crate::inputs::Origin, body: &str) -> Option<u32> {
        let q = origin.mail.as_ref()?.quote_start?;
        tessera_core::message::checked_quote_start(body.trim_end(), Some(q))
    }

    pub(super) async fn author_of(&self, actor: &Actor) -> DeskResult<Author> {
        let u = self.store.user(actor.user_id).await?.ok_or(DeskError::Unauthenticated)?;
        Ok(Author { user_id: Some(u.id), name: u.name, email: Some(u.email.to_string()), staff: actor.is_staff() })
    }

    /// The customer a staff actor passes on the words of (`author_id`): the
    /// requester, or an enabled customer of the requester's organization.
    pub(super) async fn customer_author(
        &self,
        actor: &Actor,
        id: UserId,
        requester: UserId,
        organization: Option<OrganizationId>,
    ) -> DeskResult<Author> {
        if !actor.is_staff() {
            return Err(DeskError::forbidden_field("author_id", "customers write as themselves"));
        }
        let refuse = || {
            DeskError::invalid(
                "author_id",
                "unknown_author",
                "the author must be the requester or a member of the requester's organization",
            )
        };
        let u = self.store.user(id).await?.ok_or_else(refuse)?;
        let related = u.id == requester || (organization.is_some() && u.organization_id == organization);
        if u.role.is_staff() || u.disabled || !related {
            return Err(refuse());
        }
        Ok(Author { user_id: Some(u.id), name: u.name, email: Some(u.email.to_string()), staff: false })
    }

    pub(super) async fn pick_assignee(&self, dept: &Department) -> DeskResult<Option<UserId>> {
        if dept.auto_assign == AutoAssign::None {
            return Ok(None);
        }
        let loads = self.store.agent_loads(dept.id).await?;
        let pick = match dept.auto_assign {
            AutoAssign::RoundRobin => loads.iter().min_by_key(|l| (l.last_assigned_at, l.user_id)),
            AutoAssign::LeastOpen => loads.iter().min_by_key(|l| (l.open_tickets, l.last_assigned_at, l.user_id)),
            AutoAssign::None => None,
        };
        Ok(pick.map(|l| l.user_id))
    }

    /// Secret values of fields marked `wipe_on_solve` are removed once a
    /// ticket is solved or closed.
    pub(super) fn wipe_secrets(defs: &[CustomFieldDef], t: &mut Ticket) {
        if t.status_category.is_done() {
            for d in defs.iter().filter(|d| d.field_type == FieldType::Secret && d.wipe_on_solve) {
                t.custom_fields.remove(&d.key);
            }
        }
    }

    // ---- open -----------------------------------------------------------------------------
}

/// "No value" for a required field: empty (see [`is_empty_value`]) or an
/// unticked box.
fn is_no_value(v: &Value) -> bool {
    is_empty_value(v) || *v == Value::Bool(false)
}
