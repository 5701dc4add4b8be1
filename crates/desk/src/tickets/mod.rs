//! Ticket operations: open, reply, note, update, solve, close, reopen, merge,
//! delete, message edits, ratings, read marks, secret reveals, and the reads
//! that show tickets to each actor.
//!
//! The reads are here. How a change is made (read, build, commit with the
//! version checked, retry) and the checks changes share are in `change.rs`;
//! each kind of change has its file: `open.rs`, `messages.rs`, `update.rs`,
//! and `looks.rs` for what is recorded without changing the ticket.

mod change;
mod looks;
mod messages;
mod open;
mod update;

use crate::Desk;
use crate::error::{DeskError, DeskResult};
use tessera_core::ids::*;
use tessera_core::message::MessageKind;
use tessera_core::{Actor, Department, Event, Message, MessageEdit, Ticket};
use tessera_store::*;

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
}

/// Placeholder shown for a secret value that is set.
pub use crate::present::SECRET_MASK;
