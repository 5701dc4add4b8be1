//! Opening a ticket: by a customer, or by an agent for a customer (a phone
//! call, a chat), with its first message, fields, files and assignment.

use super::{TicketDetail, may_open_in};
use crate::diff::Events;
use crate::error::{DeskError, DeskResult};
use crate::hooks::{Validation, ValidationPoint};
use crate::inputs::*;
use crate::{Desk, random};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tessera_core::event::EventKind;
use tessera_core::ids::*;
use tessera_core::message::{Author, MessageKind};
use tessera_core::status::{StatusCategory, StatusKey, StatusRef};
use tessera_core::ticket::{Cc, Priority, normalize_tags, validate_subject};
use tessera_core::{Actor, Ticket, User};
use tessera_store::*;

impl Desk {
    /// Opens a ticket: as a customer for themselves, or as an agent for a
    /// requester (existing, or new by e-mail).
    pub async fn open_ticket(&self, actor: &Actor, input: OpenTicket, origin: &Origin) -> DeskResult<TicketDetail> {
        let staff = actor.is_staff();
        if !staff {
            let agent_only: [(&str, bool); 11] = [
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
                ("no_email", input.no_email),
            ];
            if let Some((field, _)) = agent_only.iter().find(|(_, set)| *set) {
                return Err(DeskError::forbidden_field(field, format!("customers may not set {field}")));
            }
        }
        let now = self.now();
        let no_email = input.no_email;
        let subject = validate_subject(&input.subject)?;
        let (body, html) = self.message_text(&input.body, input.html.as_deref(), input.encrypted)?;
        let dept = match self.store.department(input.department_id).await? {
            Some(d) if staff || d.public || origin.mail.is_some() => d,
            _ => return Err(DeskError::invalid("department_id", "unknown_department", "there is no such department")),
        };
        // Mail addressed to a department is its way in, public or not.
        if origin.mail.is_none() && !may_open_in(actor, &dept) {
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
        // `@mentions` in an agent's own first message (`crate::mentions`).
        let own_words = staff && on_behalf.is_none() && message.author.user_id == Some(actor.user_id);
        let mentions = if own_words && input.body.contains('@') {
            self.mentioned_agents(actor.user_id, &ticket, &input.body).await?
        } else {
            Vec::new()
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
            {
                let mut data = json!({"status": ticket.status, "priority": ticket.priority, "department_id": ticket.department_id, "source": ticket.source});
                if no_email {
                    data["no_email"] = Value::Bool(true);
                }
                if !mentions.is_empty() {
                    data["mentions"] = json!(mentions);
                }
                data
            },
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
}
