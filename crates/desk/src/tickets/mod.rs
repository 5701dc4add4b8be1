//! Ticket operations: open, reply, note, update, solve, close, reopen, merge,
//! delete, message edits, ratings, read marks, secret reveals, and the reads
//! that show tickets to each actor.

use crate::diff::Events;
use crate::error::{DeskError, DeskResult};
use crate::hooks::{Validation, ValidationPoint};
use crate::html::sanitize_opt;
use crate::inputs::*;
use crate::{Desk, random};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tessera_core::custom_field::{CustomFieldDef, FieldType, is_empty_value};
use tessera_core::event::EventKind;
use tessera_core::ids::*;
use tessera_core::message::{Author, MessageKind, validate_body, validate_rating};
use tessera_core::status::{self, ReplyOutcome, StatusCategory, StatusKey, StatusRef};
use tessera_core::ticket::{Cc, ClosedReason, Priority, normalize_tags, validate_subject};
use tessera_core::{Actor, AutoAssign, Department, Event, Message, MessageEdit, Ticket, Timestamp, User};
use tessera_store::*;

/// Attempts before an operation without a caller's version gives up on a
/// ticket that keeps changing under it.
const RETRIES: usize = 64;

/// A short, growing, jittered pause before retrying after a conflict, so
/// writers racing for one ticket spread out instead of colliding again.
async fn backoff(attempt: usize) {
    let cap_ms = (1u64 << attempt.min(6)).min(50);
    let jitter = crate::random::bytes::<1>().map_or(0, |b| u64::from(b[0]));
    tokio::time::sleep(std::time::Duration::from_micros((jitter * cap_ms * 1000) / 255)).await;
}

/// A ticket with its conversation, as one actor may see it.
#[derive(Debug, Clone)]
pub struct TicketDetail {
    /// The ticket.
    pub ticket: Ticket,
    /// Its messages, in the asked order.
    pub messages: Vec<Message>,
}

/// The result of a reply or note.
#[derive(Debug, Clone)]
pub struct Posted {
    /// The ticket the message landed on (a new follow-up when the ticket was closed).
    pub ticket: Ticket,
    /// The message.
    pub message: Message,
    /// The message opened a follow-up ticket.
    pub follow_up: bool,
}

/// Tickets per page when a list request names no limit.
pub const DEFAULT_PAGE: u32 = 25;

/// A ticket list request.
#[derive(Debug, Clone, Default)]
pub struct TicketListQuery {
    /// Filters.
    pub filter: TicketFilter,
    /// Order.
    pub sort: TicketSort,
    /// Continue after (keyset orders).
    pub after: Option<Cursor>,
    /// Skip this many (orders without cursors).
    pub offset: u32,
    /// Page size (1–100; default 25).
    pub limit: Option<u32>,
}

/// A page of tickets.
#[derive(Debug, Clone)]
pub struct TicketPage {
    /// The tickets.
    pub tickets: Vec<Ticket>,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
    /// Exact number of matching tickets.
    pub total: u64,
}

/// A message edit checked and ready to join a change.
struct PreparedEdit {
    message: Message,
    body: String,
    html: Option<String>,
}

impl PreparedEdit {
    /// Adds the edit and its event to a change.
    fn apply(&self, actor: &Actor, now: Timestamp, work: &mut Work) {
        let m = &self.message;
        work.change.message_updates.push(MessageUpdate {
            message_id: m.id,
            body: self.body.clone(),
            html: self.html.clone(),
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
struct FollowUpReply<'a> {
    message: NewMessage,
    chosen: Option<StatusRef>,
    fields: &'a BTreeMap<String, Value>,
}

/// What a modification closure produces besides the new ticket state.
struct Work {
    change: TicketChange,
    events: Events,
}

/// Whether `actor` may open a ticket in `dept`: customers in public
/// departments, agents in their own, admins anywhere. One rule for every
/// door (API, web form, dialects): an agent who could open tickets
/// elsewhere would write where it cannot read.
fn may_open_in(actor: &Actor, dept: &Department) -> bool {
    match actor.role {
        tessera_core::Role::Admin => true,
        tessera_core::Role::Agent => actor.department_ids.contains(&dept.id),
        tessera_core::Role::Customer => dept.public,
    }
}

impl Desk {
    /// Whether `actor` may open a ticket in `department` (customers in a
    /// public one, agents in their own, admins anywhere): the rule
    /// [`Desk::open_ticket`] applies, for doors where someone acts through
    /// another (BILLmanager's `su`: the agent behind it must be allowed
    /// too). Answers the error `open_ticket` would.
    pub async fn check_may_open(&self, actor: &Actor, department: DepartmentId) -> DeskResult<()> {
        let dept = match self.store.department(department).await? {
            Some(d) if actor.is_staff() || d.public => d,
            _ => return Err(DeskError::invalid("department_id", "unknown_department", "there is no such department")),
        };
        if may_open_in(actor, &dept) {
            Ok(())
        } else {
            Err(DeskError::forbidden_field("department_id", "agents open tickets in their own departments"))
        }
    }

    /// The departments `actor` may open a ticket in (the choices of a
    /// new-ticket form), in the catalogue's order.
    pub async fn departments_for_new_ticket(&self, actor: &Actor) -> DeskResult<Vec<Department>> {
        Ok(self.store.list_departments().await?.into_iter().filter(|d| may_open_in(actor, d)).collect())
    }

    // ---- reads -------------------------------------------------------------------

    /// One ticket with its conversation; `newest_first` reverses the order.
    pub async fn ticket_detail(&self, actor: &Actor, id: TicketId, newest_first: bool) -> DeskResult<TicketDetail> {
        let t = self.visible_ticket(actor, id).await?;
        let defs = self.field_defs().await?;
        let mut messages = Vec::new();
        for m in self.store.messages(id, actor.is_staff()).await? {
            if m.deleted_at.is_some() && !actor.is_staff() {
                continue;
            }
            messages.push(self.present_message(actor, m)?);
        }
        if newest_first {
            messages.reverse();
        }
        Ok(TicketDetail { ticket: self.present_ticket(actor, &defs, t), messages })
    }

    /// One ticket without its conversation.
    pub async fn ticket(&self, actor: &Actor, id: TicketId) -> DeskResult<Ticket> {
        let t = self.visible_ticket(actor, id).await?;
        let defs = self.field_defs().await?;
        Ok(self.present_ticket(actor, &defs, t))
    }

    /// A page of the tickets the actor may see.
    pub async fn list_tickets(&self, actor: &Actor, q: TicketListQuery) -> DeskResult<TicketPage> {
        let limit = q.limit.unwrap_or(DEFAULT_PAGE).clamp(1, 100);
        let mut filter = q.filter;
        if !actor.is_staff() && filter.archived.is_none() {
            filter.archived = Some(false);
        }
        let mut sort = q.sort;
        if !actor.is_staff() {
            // SLA states are agents' business.
            filter.sla_breached = None;
            filter.sla_due_before = None;
            if sort.field == SortField::SlaDue {
                sort = TicketSort::default();
            }
        }
        filter.text_in_notes = actor.is_staff();
        let query = TicketQuery {
            scope: actor.ticket_scope(),
            filter,
            sort,
            after: q.after,
            offset: q.offset,
            limit: limit + 1,
        };
        let mut tickets = self.store.list_tickets(&query).await?;
        let total = self.store.count_tickets(&query).await?;
        let next = if tickets.len() > limit as usize {
            tickets.truncate(limit as usize);
            tickets
                .last()
                .filter(|_| query.sort.field.keyset())
                .map(|t| Cursor { value: query.sort_value(t), id: t.id })
        } else {
            None
        };
        let defs = self.field_defs().await?;
        let tickets = tickets.into_iter().map(|t| self.present_ticket(actor, &defs, t)).collect();
        Ok(TicketPage { tickets, next, total })
    }

    /// The exact number of tickets the actor may see that match `filter`.
    pub async fn count_tickets(&self, actor: &Actor, mut filter: TicketFilter) -> DeskResult<u64> {
        filter.text_in_notes = actor.is_staff();
        if !actor.is_staff() {
            filter.sla_breached = None;
            filter.sla_due_before = None;
        }
        let query = TicketQuery {
            scope: actor.ticket_scope(),
            filter,
            sort: TicketSort::default(),
            after: None,
            offset: 0,
            limit: 1,
        };
        Ok(self.store.count_tickets(&query).await?)
    }

    /// A ticket's messages.
    pub async fn messages(&self, actor: &Actor, id: TicketId, newest_first: bool) -> DeskResult<Vec<Message>> {
        Ok(self.ticket_detail(actor, id, newest_first).await?.messages)
    }

    /// A ticket's event timeline (agents only).
    pub async fn events(&self, actor: &Actor, id: TicketId) -> DeskResult<Vec<Event>> {
        let t = self.visible_ticket(actor, id).await?;
        if !actor.can_work(&t) {
            return Err(DeskError::forbidden("only agents see a ticket's events"));
        }
        Ok(self.store.ticket_events(id).await?)
    }

    /// A message and its ticket, if the actor may see both.
    async fn visible_message(&self, actor: &Actor, id: MessageId) -> DeskResult<(Ticket, Message)> {
        let m = self.store.message(id).await?.ok_or(DeskError::not_found("message"))?;
        let t = self.visible_ticket(actor, m.ticket_id).await.map_err(|_| DeskError::not_found("message"))?;
        if (m.kind == MessageKind::Note || m.deleted_at.is_some()) && !actor.is_staff() {
            return Err(DeskError::not_found("message"));
        }
        Ok((t, m))
    }

    /// One message.
    pub async fn message(&self, actor: &Actor, id: MessageId) -> DeskResult<Message> {
        let (_, m) = self.visible_message(actor, id).await?;
        self.present_message(actor, m)
    }

    /// A message's earlier versions (agents only).
    pub async fn message_history(&self, actor: &Actor, id: MessageId) -> DeskResult<Vec<MessageEdit>> {
        let (t, m) = self.visible_message(actor, id).await?;
        if !actor.can_work(&t) {
            return Err(DeskError::forbidden("only agents see edit histories"));
        }
        let mut edits = self.store.message_edits(id).await?;
        if m.encrypted {
            for e in &mut edits {
                e.previous_body = self.secrets.open("message", &e.previous_body)?;
                e.previous_html = e.previous_html.take().map(|h| self.secrets.open("message", &h)).transpose()?;
            }
        }
        Ok(edits)
    }

    // ---- the modification loop -------------------------------------------------------

    /// Reads the ticket, lets `f` change a copy, derives the events and
    /// commits with a version check. Without a caller's version a conflict
    /// is retried on the fresh ticket; with one it is a version mismatch.
    /// Answers the committed ticket (unchanged when `f` changed nothing).
    async fn modify<F>(
        &self,
        actor: &Actor,
        id: TicketId,
        expected: Option<i64>,
        defs: &[CustomFieldDef],
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
            let Some((new, change)) = Self::build_change(actor, self.now(), &old, defs, &mut f)? else {
                return Ok((old, UpdatedIds { message_ids: vec![], event_ids: vec![] }));
            };
            match self.store.commit(ChangeSet { creates: vec![], updates: vec![change] }).await {
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
    async fn modify_many<F>(
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
            match self.store.commit(ChangeSet { creates: vec![], updates }).await {
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
        new.updated_at = now;
        let mut change = work.change;
        change.ticket = new.clone();
        change.expected_version = old.version;
        change.events = events;
        Ok(Some((new, change)))
    }

    /// Archives (or takes out of the archive) several tickets as one change:
    /// all of them, or none when one cannot be. Whoever may see a ticket may
    /// file it.
    pub async fn archive_tickets(&self, actor: &Actor, ids: &[TicketId], archived: bool) -> DeskResult<Vec<Ticket>> {
        if ids.len() > 100 {
            return Err(DeskError::invalid("ids", "invalid_value", "archive at most 100 tickets at once"));
        }
        let mut unique = ids.to_vec();
        unique.sort();
        unique.dedup();
        let defs = self.field_defs().await?;
        let tickets = self
            .modify_many(actor, &unique, &defs, |_, new, _| {
                new.archived = archived;
                Ok(())
            })
            .await?;
        Ok(tickets.into_iter().map(|t| self.present_ticket(actor, &defs, t)).collect())
    }

    // ---- checks shared by the operations ---------------------------------------------

    async fn check_attachments(&self, actor: &Actor, ids: &[AttachmentId]) -> DeskResult<()> {
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

    async fn check_cc(&self, cc: &Cc) -> DeskResult<Cc> {
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
    fn apply_custom_fields(
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

    fn message_text(&self, body: &str, html: Option<&str>, encrypted: bool) -> DeskResult<(String, Option<String>)> {
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

    async fn author_of(&self, actor: &Actor) -> DeskResult<Author> {
        let u = self.store.user(actor.user_id).await?.ok_or(DeskError::Unauthenticated)?;
        Ok(Author { user_id: Some(u.id), name: u.name, email: Some(u.email.to_string()), staff: actor.is_staff() })
    }

    /// The customer a staff actor passes on the words of (`author_id`): the
    /// requester, or an enabled customer of the requester's organization.
    async fn customer_author(
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

    async fn pick_assignee(&self, dept: &Department) -> DeskResult<Option<UserId>> {
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
    fn wipe_secrets(defs: &[CustomFieldDef], t: &mut Ticket) {
        if t.status_category.is_done() {
            for d in defs.iter().filter(|d| d.field_type == FieldType::Secret && d.wipe_on_solve) {
                t.custom_fields.remove(&d.key);
            }
        }
    }

    // ---- open -----------------------------------------------------------------------------

    /// Opens a ticket: as a customer for themselves, or as an agent for a
    /// requester (existing, or new by e-mail).
    pub async fn open_ticket(&self, actor: &Actor, input: OpenTicket, origin: &Origin) -> DeskResult<TicketDetail> {
        let staff = actor.is_staff();
        if !staff {
            let agent_only: [(&str, bool); 10] = [
                ("author_id", input.author_id.is_some()),
                ("requester_id", input.requester_id.is_some()),
                ("requester", input.requester.is_some()),
                ("type", input.ticket_type.is_some()),
                ("tags", !input.tags.is_empty()),
                ("assignee_id", input.assignee_id.is_some()),
                ("status", input.status.is_some()),
                ("source", input.source.is_some()),
                ("due_at", input.due_at.is_some()),
                ("first_message_is_note", input.first_message_is_note),
            ];
            if let Some((field, _)) = agent_only.iter().find(|(_, set)| *set) {
                return Err(DeskError::forbidden_field(field, format!("customers may not set {field}")));
            }
        }
        let now = self.now();
        let subject = validate_subject(&input.subject)?;
        let (body, html) = self.message_text(&input.body, input.html.as_deref(), input.encrypted)?;
        let dept = match self.store.department(input.department_id).await? {
            Some(d) if staff || d.public => d,
            _ => return Err(DeskError::invalid("department_id", "unknown_department", "there is no such department")),
        };
        if !may_open_in(actor, &dept) {
            return Err(DeskError::forbidden_field("department_id", "agents open tickets in their own departments"));
        }

        // The requester.
        let mut new_requester = None;
        let requester: Option<User> = if !staff {
            Some(self.store.user(actor.user_id).await?.ok_or(DeskError::Unauthenticated)?)
        } else if let Some(id) = input.requester_id {
            if input.requester.is_some() {
                return Err(DeskError::invalid("requester", "conflict", "give requester_id or requester, not both"));
            }
            match self.store.user(id).await? {
                Some(u) => Some(u),
                None => return Err(DeskError::invalid("requester_id", "unknown_user", "there is no such user")),
            }
        } else if let Some(r) = &input.requester {
            match self.store.user_by_email(r.email.as_str()).await? {
                Some(u) => Some(u),
                None => {
                    let name = match &r.name {
                        Some(n) => tessera_core::user::validate_name("requester.name", n)?,
                        None => r.email.as_str().split('@').next().unwrap_or("customer").to_string(),
                    };
                    new_requester = Some(User {
                        id: UserId(0),
                        email: r.email.clone(),
                        name,
                        role: tessera_core::Role::Customer,
                        organization_id: None,
                        sees_all: false,
                        password_hash: None,
                        locale: "en".into(),
                        time_zone: "UTC".into(),
                        disabled: false,
                        created_at: now,
                        updated_at: now,
                    });
                    None
                }
            }
        } else {
            Some(self.store.user(actor.user_id).await?.ok_or(DeskError::Unauthenticated)?)
        };

        // The service.
        if let Some(sid) = input.service_id {
            let owned = match (&requester, self.store.service(sid).await?) {
                (Some(r), Some(s)) => s.owner_id == r.id,
                _ => false,
            };
            if !owned {
                return Err(DeskError::invalid("service_id", "unknown_service", "the requester has no such service"));
            }
        } else if dept.requires_service {
            return Err(DeskError::invalid(
                "service_id",
                "required",
                "tickets in this department must name one of your services",
            ));
        }

        let defs = self.field_defs().await?;
        let mut custom_fields = BTreeMap::new();
        self.apply_custom_fields(actor, &defs, dept.id, &input.custom_fields, &mut custom_fields, true)?;
        self.check_attachments(actor, &input.attachment_ids).await?;
        let cc = match &input.cc {
            Some(cc) => self.check_cc(cc).await?,
            None => Cc::default(),
        };
        let tags = normalize_tags(&input.tags)?;
        let status = match &input.status {
            Some(k) => {
                let s = self.status_ref("status", k).await?;
                if s.category == StatusCategory::Closed {
                    return Err(DeskError::invalid("status", "invalid_transition", "a new ticket cannot start closed"));
                }
                s
            }
            None => StatusRef::builtin(StatusKey::NEW),
        };
        let (assignee, auto) = match input.assignee_id {
            Some(a) => (Some(self.staff_user("assignee_id", a).await?.id), false),
            None => (self.pick_assignee(&dept).await?, true),
        };
        let note = staff && input.first_message_is_note;
        // An agent passing on a customer's words: the message is the customer's.
        let on_behalf = match (input.author_id, &requester) {
            (None, _) => None,
            (Some(_), _) if note => {
                return Err(DeskError::invalid("author_id", "conflict", "an internal note is the agent's own"));
            }
            (Some(a), Some(r)) => Some(self.customer_author(actor, a, r.id, r.organization_id).await?),
            (Some(_), None) => {
                return Err(DeskError::invalid(
                    "author_id",
                    "unknown_author",
                    "the author must be the requester or a member of the requester's organization",
                ));
            }
        };
        let customer_wrote = !staff || on_behalf.is_some();
        let agent_wrote = !customer_wrote && !note;

        let mut ticket = Ticket {
            id: TicketId(0),
            number: String::new(),
            access_key: random::hex_token::<16>()?,
            subject,
            department_id: dept.id,
            requester_id: requester.as_ref().map_or(UserId(0), |u| u.id),
            organization_id: requester.as_ref().and_then(|u| u.organization_id),
            service_id: input.service_id,
            assignee_id: assignee,
            assigned_by_id: assignee.map(|_| actor.user_id).filter(|_| !auto),
            flagged_id: None,
            cc,
            tags,
            ticket_type: input.ticket_type,
            priority: input.priority.unwrap_or(Priority::Normal),
            status: StatusKey::new(StatusKey::NEW),
            status_category: StatusCategory::New,
            source: input.source.unwrap_or(origin.channel),
            custom_fields,
            locked: false,
            archived: false,
            queue_boost: false,
            closed_reason: None,
            merged_into_id: None,
            follow_up_of_id: None,
            created_at: now,
            updated_at: now,
            last_reply_at: (!note).then_some(now),
            last_customer_reply_at: customer_wrote.then_some(now),
            last_agent_reply_at: agent_wrote.then_some(now),
            first_response_at: None,
            awaiting_agent_since: None,
            solved_at: None,
            closed_at: None,
            due_at: input.due_at,
            deleted_at: None,
            customer_unread: agent_wrote,
            agent_unread: customer_wrote,
            version: 1,
        };
        ticket.apply_status(&status, now);
        Self::wipe_secrets(&defs, &mut ticket);

        let author = match (&on_behalf, &new_requester, &requester) {
            (Some(a), _, _) => a.clone(),
            (None, Some(u), _) if !staff => {
                Author { user_id: None, name: u.name.clone(), email: Some(u.email.to_string()), staff: false }
            }
            // The requester read above is the author: no second read.
            (None, _, Some(u)) if u.id == actor.user_id => {
                Author { user_id: Some(u.id), name: u.name.clone(), email: Some(u.email.to_string()), staff }
            }
            _ => self.author_of(actor).await?,
        };
        let message = NewMessage {
            kind: if note { MessageKind::Note } else { MessageKind::Reply },
            author,
            body,
            html,
            channel: origin.channel,
            author_ip: origin.ip.clone(),
            encrypted: input.encrypted,
            email_message_id: None,
            attachment_ids: input.attachment_ids.clone(),
            created_at: now,
        };
        let mut events = if on_behalf.is_some() {
            Events::on_side(actor, tessera_core::Side::Customer, now)
        } else {
            Events::new(actor, now)
        };
        events.push(
            EventKind::TicketCreated,
            Some(MessageRef::New(0)),
            BTreeMap::new(),
            json!({"status": ticket.status, "priority": ticket.priority, "department_id": ticket.department_id, "source": ticket.source}),
        );
        if let Some(a) = assignee {
            let mut by = if auto { Events::system(now) } else { Events::new(actor, now) };
            by.push(
                EventKind::AssigneeChanged,
                None,
                BTreeMap::from([("assignee_id".to_string(), tessera_core::Change { old: Value::Null, new: json!(a) })]),
                json!({"auto": auto}),
            );
            events.list.extend(by.list);
        }
        // Validation hooks see the ticket as it would be, before anything is written.
        let point = if customer_wrote { ValidationPoint::ClientCreate } else { ValidationPoint::AdminCreate };
        self.run_validation(Validation {
            point,
            ticket: &ticket,
            body: input.body.trim_end(),
            actor,
            author_name: &message.author.name,
            author_ip: origin.ip.as_deref(),
        })
        .await?;
        let created_by_new_requester = new_requester.is_some() && !staff;
        let create = TicketCreate {
            ticket: ticket.clone(),
            new_requester,
            messages: vec![message.clone()],
            events: events.list,
        };
        let out = self.store.commit(ChangeSet { creates: vec![create], updates: vec![] }).await?;
        let ids =
            out.created.into_iter().next().ok_or_else(|| DeskError::Internal("the store created nothing".into()))?;
        self.refresh_sla(ids.ticket_id).await;
        // Answer what was written, without reading it back.
        ticket.id = ids.ticket_id;
        ticket.number = ids.number.clone();
        ticket.requester_id = ids.requester_id;
        ticket.organization_id = ids.organization_id;
        let mid = ids.message_ids.first().copied().ok_or_else(|| DeskError::Internal("no message id".into()))?;
        let mut first = message.stored(mid, ticket.id);
        if created_by_new_requester {
            first.author.user_id = Some(ids.requester_id);
        }
        // The creator may not see the ticket (an agent opening a ticket in
        // another department): then the answer holds no conversation.
        let messages = if actor.can_view(&ticket) { vec![self.present_message(actor, first)?] } else { vec![] };
        // Whoever opened the ticket gets its key once, in this answer: the
        // guest link to hand to the requester (WHMCS OpenTicket's `c`).
        // Reads show it to the requester and admins only.
        let key = ticket.access_key.clone();
        let mut ticket = self.present_ticket(actor, &defs, ticket);
        ticket.access_key = key;
        Ok(TicketDetail { ticket, messages })
    }

    // ---- reply and note ----------------------------------------------------------------------

    /// Adds a public reply. A reply to a closed ticket opens a linked follow-up.
    pub async fn reply(&self, actor: &Actor, id: TicketId, input: PostMessage, origin: &Origin) -> DeskResult<Posted> {
        self.post(actor, id, input, origin, MessageKind::Reply).await
    }

    /// Adds an internal note (agents only).
    pub async fn note(&self, actor: &Actor, id: TicketId, input: PostMessage, origin: &Origin) -> DeskResult<Posted> {
        self.post(actor, id, input, origin, MessageKind::Note).await
    }

    async fn post(
        &self,
        actor: &Actor,
        id: TicketId,
        input: PostMessage,
        origin: &Origin,
        kind: MessageKind,
    ) -> DeskResult<Posted> {
        let current = self.visible_ticket(actor, id).await?;
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
        // An agent passing on a customer's words: the reply is the customer's.
        let on_behalf = match input.author_id {
            None => None,
            Some(_) if kind == MessageKind::Note => {
                return Err(DeskError::invalid("author_id", "conflict", "an internal note is the agent's own"));
            }
            Some(a) => Some(self.customer_author(actor, a, current.requester_id, current.organization_id).await?),
        };
        let side = if on_behalf.is_some() { tessera_core::Side::Customer } else { actor.side() };
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
        let author = match on_behalf {
            Some(a) => a,
            None => self.author_of(actor).await?,
        };
        let now = self.now();
        let message = NewMessage {
            kind,
            author,
            body,
            html,
            channel: origin.channel,
            author_ip: origin.ip.clone(),
            encrypted: input.encrypted,
            email_message_id: None,
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
            return self.follow_up(actor, side, &current, reply, &defs).await;
        }
        let (ticket, ids) = self
            .modify(actor, id, None, &defs, |old, new, work| {
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
                                    message: "the ticket was closed meanwhile; reply again to open a follow-up".into(),
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
                let event = if kind == MessageKind::Reply { EventKind::TicketReplied } else { EventKind::NoteAdded };
                work.events.push(event, Some(MessageRef::New(0)), BTreeMap::new(), Value::Null);
                work.change.new_messages = vec![message.clone()];
                Ok(())
            })
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
        let out = self.store.commit(ChangeSet { creates: vec![create], updates: vec![] }).await?;
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

    /// Changes a ticket's fields. `expected` (from `If-Match`) or the patch's
    /// `version` makes the change conditional on the ticket being unchanged.
    pub async fn update_ticket(
        &self,
        actor: &Actor,
        id: TicketId,
        patch: TicketPatch,
        expected: Option<i64>,
    ) -> DeskResult<Ticket> {
        self.update_ticket_editing(actor, id, patch, expected, None).await
    }

    /// [`Desk::update_ticket`], also editing one of the ticket's messages
    /// in the same change (WHMCS `UpdateTicket`'s `message`, the opening
    /// message): one commit, one version, one batch of events, refused
    /// whole if either part is.
    pub async fn update_ticket_editing(
        &self,
        actor: &Actor,
        id: TicketId,
        patch: TicketPatch,
        expected: Option<i64>,
        edit: Option<(MessageId, EditMessage)>,
    ) -> DeskResult<Ticket> {
        let staff = actor.is_staff();
        let expected = expected.or(patch.version);
        if !staff {
            // Whoever may not see the ticket is told it does not exist,
            // before being told which fields they may not change.
            self.visible_ticket(actor, id).await?;
            let agent_only: [(&str, bool); 13] = [
                ("subject", patch.subject.is_some()),
                ("priority", patch.priority.is_some()),
                ("type", patch.ticket_type.is_some()),
                ("department_id", patch.department_id.is_some()),
                ("assignee_id", patch.assignee_id.is_some()),
                ("tags", patch.tags.is_some()),
                ("add_tags", !patch.add_tags.is_empty()),
                ("remove_tags", !patch.remove_tags.is_empty()),
                ("service_id", patch.service_id.is_some()),
                ("locked", patch.locked.is_some()),
                ("flagged_id", patch.flagged_id.is_some()),
                ("due_at", patch.due_at.is_some()),
                ("queue_boost", patch.queue_boost.is_some()),
            ];
            if let Some((field, _)) = agent_only.iter().find(|(_, set)| *set) {
                return Err(DeskError::forbidden_field(field, format!("customers may not change {field}")));
            }
        }
        // Everything that needs a lookup is looked up before the loop.
        let subject = patch.subject.as_deref().map(validate_subject).transpose()?;
        let target_status = match &patch.status {
            Some(k) => Some(self.status_ref("status", k).await?),
            None => None,
        };
        if let Some(d) = patch.department_id
            && self.store.department(d).await?.is_none()
        {
            return Err(DeskError::invalid("department_id", "unknown_department", "there is no such department"));
        }
        if let Some(Some(a)) = patch.assignee_id {
            self.staff_user("assignee_id", a).await?;
        }
        if let Some(Some(a)) = patch.flagged_id {
            self.staff_user("flagged_id", a).await?;
        }
        let service = match patch.service_id {
            Some(Some(s)) => Some(
                self.store
                    .service(s)
                    .await?
                    .ok_or_else(|| DeskError::invalid("service_id", "unknown_service", "there is no such service"))?,
            ),
            _ => None,
        };
        let replace_tags = patch.tags.as_deref().map(normalize_tags).transpose()?;
        let add_tags = normalize_tags(&patch.add_tags)?;
        let remove_tags = normalize_tags(&patch.remove_tags)?;
        let cc = match &patch.cc {
            Some(cc) => Some(self.check_cc(cc).await?),
            None => None,
        };
        let edit = match edit {
            Some((mid, input)) => {
                let (t, m) = self.visible_message(actor, mid).await?;
                if t.id != id {
                    return Err(DeskError::not_found("message"));
                }
                Some(self.prepare_edit(actor, &t, m, &input)?)
            }
            None => None,
        };
        let defs = self.field_defs().await?;
        let (ticket, _) = self
            .modify(actor, id, expected, &defs, |old, new, work| {
                let now = self.now();
                if let Some(e) = &edit {
                    e.apply(actor, now, work);
                }
                if let Some(s) = &subject {
                    new.subject = s.clone();
                }
                if let Some(d) = patch.department_id {
                    new.department_id = d;
                }
                if let Some(target) = &target_status {
                    let next = status::set_status(&old.status_ref(), target, actor.side())?;
                    new.apply_status(&next, now);
                    if next.category == StatusCategory::Closed && old.status_category != StatusCategory::Closed {
                        new.closed_reason = Some(ClosedReason::Manual);
                    }
                }
                if let Some(p) = patch.priority {
                    new.priority = p;
                }
                if let Some(t) = patch.ticket_type {
                    new.ticket_type = t;
                }
                if let Some(a) = patch.assignee_id
                    && new.assignee_id != a
                {
                    new.assignee_id = a;
                    new.assigned_by_id = a.map(|_| actor.user_id);
                }
                if let Some(tags) = &replace_tags {
                    new.tags = tags.clone();
                }
                if !add_tags.is_empty() || !remove_tags.is_empty() {
                    let mut tags: Vec<String> = new.tags.iter().filter(|t| !remove_tags.contains(t)).cloned().collect();
                    tags.extend(add_tags.iter().cloned());
                    new.tags = normalize_tags(&tags)?;
                }
                if let Some(s) = patch.service_id {
                    if let Some(svc) = &service
                        && svc.owner_id != new.requester_id
                    {
                        return Err(DeskError::invalid(
                            "service_id",
                            "unknown_service",
                            "the requester has no such service",
                        ));
                    }
                    new.service_id = s;
                }
                if let Some(l) = patch.locked {
                    new.locked = l;
                }
                if let Some(f) = patch.flagged_id {
                    new.flagged_id = f;
                }
                if let Some(a) = patch.archived {
                    new.archived = a;
                }
                if let Some(cc) = &cc {
                    if staff {
                        new.cc = cc.clone();
                    } else {
                        // Customers manage the copied addresses; the agents
                        // following a ticket are the agents' business.
                        new.cc.emails = cc.emails.clone();
                    }
                }
                if let Some(fields) = &patch.custom_fields {
                    let department = new.department_id;
                    self.apply_custom_fields(actor, &defs, department, fields, &mut new.custom_fields, false)?;
                }
                if let Some(d) = patch.due_at {
                    new.due_at = d;
                }
                if let Some(q) = patch.queue_boost {
                    new.queue_boost = q;
                }
                Self::wipe_secrets(&defs, new);
                if old.status_category == StatusCategory::Closed {
                    // Closed is final: only filing changes (tags, archive).
                    let mut rest = new.clone();
                    rest.tags.clone_from(&old.tags);
                    rest.archived = old.archived;
                    if rest != *old {
                        return Err(tessera_core::DomainError::Closed.into());
                    }
                }
                Ok(())
            })
            .await?;
        Ok(self.present_ticket(actor, &defs, ticket))
    }

    /// Marks a ticket solved.
    pub async fn solve(&self, actor: &Actor, id: TicketId, expected: Option<i64>) -> DeskResult<Ticket> {
        let patch = TicketPatch { status: Some(StatusKey::new(StatusKey::SOLVED)), ..TicketPatch::default() };
        self.update_ticket(actor, id, patch, expected).await
    }

    /// Closes a ticket (final).
    pub async fn close(&self, actor: &Actor, id: TicketId, expected: Option<i64>) -> DeskResult<Ticket> {
        let patch = TicketPatch { status: Some(StatusKey::new(StatusKey::CLOSED)), ..TicketPatch::default() };
        self.update_ticket(actor, id, patch, expected).await
    }

    /// Reopens a solved ticket.
    pub async fn reopen(&self, actor: &Actor, id: TicketId, expected: Option<i64>) -> DeskResult<Ticket> {
        let t = self.visible_ticket(actor, id).await?;
        status::reopen(&t.status_ref())?;
        let patch = TicketPatch { status: Some(StatusKey::new(StatusKey::OPEN)), ..TicketPatch::default() };
        self.update_ticket(actor, id, patch, expected).await
    }

    /// Deletes a ticket (agents who can work it). It disappears everywhere;
    /// its rows and events stay for the audit trail.
    pub async fn delete_ticket(&self, actor: &Actor, id: TicketId) -> DeskResult<()> {
        let t = self.visible_ticket(actor, id).await?;
        if !actor.can_work(&t) {
            return Err(DeskError::forbidden("only agents delete tickets"));
        }
        let defs = self.field_defs().await?;
        self.modify(actor, id, None, &defs, |_, new, work| {
            new.deleted_at = Some(self.now());
            work.events.push(EventKind::Deleted, None, BTreeMap::new(), Value::Null);
            Ok(())
        })
        .await?;
        Ok(())
    }

    // ---- merge -----------------------------------------------------------------------------------

    /// Merges `sources` into `target`: their messages move to the target, and
    /// each source is closed and linked to it.
    pub async fn merge(&self, actor: &Actor, target: TicketId, sources: &[TicketId]) -> DeskResult<Ticket> {
        self.merge_renaming(actor, target, sources, None).await
    }

    /// [`Desk::merge`], giving the target a new subject in the same change
    /// (WHMCS `MergeTicket`'s `newsubject`): one commit, one batch of events.
    pub async fn merge_renaming(
        &self,
        actor: &Actor,
        target: TicketId,
        sources: &[TicketId],
        new_subject: Option<&str>,
    ) -> DeskResult<Ticket> {
        let new_subject = new_subject.map(validate_subject).transpose()?;
        if !actor.is_staff() {
            let _ = self.visible_ticket(actor, target).await?;
            return Err(DeskError::forbidden("only agents merge tickets"));
        }
        if sources.is_empty() || sources.len() > 50 {
            return Err(DeskError::invalid("source_ids", "invalid_value", "name 1 to 50 tickets to merge"));
        }
        let mut unique = sources.to_vec();
        unique.sort();
        unique.dedup();
        if unique.contains(&target) {
            return Err(DeskError::invalid("source_ids", "invalid_value", "a ticket cannot be merged into itself"));
        }
        let defs = self.field_defs().await?;
        for attempt in 0..RETRIES {
            if attempt > 0 {
                backoff(attempt).await;
            }
            let now = self.now();
            let t = self.visible_ticket(actor, target).await?;
            if t.status_category == StatusCategory::Closed {
                return Err(tessera_core::DomainError::Closed.into());
            }
            let mut updates = Vec::new();
            let mut newest_reply = t.last_reply_at;
            for sid in &unique {
                let s = self.visible_ticket(actor, *sid).await.map_err(|_| {
                    DeskError::invalid("source_ids", "unknown_ticket", format!("there is no ticket {sid}"))
                })?;
                if s.merged_into_id.is_some() {
                    return Err(DeskError::invalid(
                        "source_ids",
                        "already_merged",
                        format!("ticket {sid} was already merged"),
                    ));
                }
                if s.status_category == StatusCategory::Closed {
                    return Err(DeskError::invalid(
                        "source_ids",
                        "ticket_closed",
                        format!("ticket {sid} is closed; closed tickets are final"),
                    ));
                }
                newest_reply = newest_reply.max(s.last_reply_at);
                let mut new = s.clone();
                new.apply_status(&StatusRef::builtin(StatusKey::CLOSED), now);
                new.closed_reason = Some(ClosedReason::Merged);
                new.merged_into_id = Some(target);
                new.version = s.version + 1;
                new.updated_at = now;
                let mut ev = Events::new(actor, now);
                ev.push(EventKind::Merged, None, BTreeMap::new(), json!({"into": target}));
                ev.diff(&s, &new, &defs);
                let mut change = TicketChange::new(new, s.version);
                change.move_messages_to = Some(target);
                change.events = ev.list;
                updates.push(change);
            }
            let mut new_target = t.clone();
            new_target.version = t.version + 1;
            new_target.updated_at = now;
            new_target.last_reply_at = newest_reply;
            if let Some(subject) = &new_subject {
                new_target.subject.clone_from(subject);
            }
            let mut ev = Events::new(actor, now);
            ev.push(EventKind::Merged, None, BTreeMap::new(), json!({"sources": unique}));
            ev.diff(&t, &new_target, &defs);
            let mut change = TicketChange::new(new_target.clone(), t.version);
            change.events = ev.list;
            updates.push(change);
            let touched: Vec<TicketId> = updates.iter().map(|u| u.ticket.id).collect();
            match self.store.commit(ChangeSet { creates: vec![], updates }).await {
                Ok(_) => {
                    for t in touched {
                        self.refresh_sla(t).await;
                    }
                    return Ok(self.present_ticket(actor, &defs, new_target));
                }
                Err(StoreError::VersionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DeskError::Conflict { code: "busy", message: "the tickets kept changing; try again".into(), field: None })
    }

    // ---- messages ---------------------------------------------------------------------------------

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
    fn prepare_edit(&self, actor: &Actor, t: &Ticket, m: Message, input: &EditMessage) -> DeskResult<PreparedEdit> {
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
        Ok(PreparedEdit { message: m, body, html })
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

    /// Marks a ticket read by the actor (clears their side's unread mark).
    /// Reading is not a change of the ticket: no version bump, no event.
    pub async fn mark_read(&self, actor: &Actor, id: TicketId) -> DeskResult<Timestamp> {
        let _ = self.visible_ticket(actor, id).await?;
        let now = self.now();
        self.store.mark_read(id, actor.user_id, actor.is_staff(), now).await?;
        Ok(now)
    }

    /// Shows a secret custom field's value to an agent of the ticket's
    /// department (or an admin), and records that they looked.
    pub async fn reveal_secret(&self, actor: &Actor, id: TicketId, key: &str) -> DeskResult<Option<String>> {
        let t = self.visible_ticket(actor, id).await?;
        let defs = self.field_defs().await?;
        let def = defs
            .iter()
            .find(|d| d.key == key && d.field_type == FieldType::Secret)
            .ok_or(DeskError::not_found("secret field"))?;
        if !actor.is_staff() || !actor.can_see_field(def, &t) {
            return Err(DeskError::forbidden("only agents of the ticket's department see its secrets"));
        }
        let value = match t.custom_fields.get(key) {
            Some(Value::String(sealed)) => Some(self.secrets.open(&format!("custom_field:{key}"), sealed)?),
            _ => None,
        };
        self.record_look(actor, t, EventKind::SecretRevealed, json!({"field": key})).await?;
        Ok(value)
    }

    /// The ticket's guest link (`/t/<number>?key=<access key>`) for an
    /// agent who works the ticket, to send to its requester; recorded on
    /// the ticket, since whoever holds the link acts as the requester there.
    pub async fn guest_link(&self, actor: &Actor, id: TicketId) -> DeskResult<String> {
        let t = self.visible_ticket(actor, id).await?;
        if !actor.can_work(&t) || actor.only_ticket.is_some() {
            // They see the ticket (a customer, a guest), but the link is
            // for agents to hand out.
            return Err(DeskError::forbidden("only agents who work the ticket ask for its guest link"));
        }
        let link = format!("/t/{}?key={}", t.number, t.access_key);
        self.record_look(actor, t, EventKind::GuestLinkIssued, Value::Null).await?;
        Ok(link)
    }

    /// Records that `actor` looked at something of `t` without changing it
    /// (no version bump: looking is not a change), retrying while the
    /// ticket changes under it.
    async fn record_look(&self, actor: &Actor, mut t: Ticket, kind: EventKind, data: Value) -> DeskResult<()> {
        for _ in 0..RETRIES {
            let mut ev = Events::new(actor, self.now());
            ev.push(kind, None, BTreeMap::new(), data.clone());
            let mut change = TicketChange::new(t.clone(), t.version);
            change.events = ev.list;
            match self.store.commit(ChangeSet { creates: vec![], updates: vec![change] }).await {
                Ok(_) => return Ok(()),
                Err(StoreError::VersionConflict) => t = self.visible_ticket(actor, t.id).await?,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DeskError::Conflict { code: "busy", message: "the ticket kept changing; try again".into(), field: None })
    }
}

/// Placeholder shown for a secret value that is set.
pub use crate::present::SECRET_MASK;
