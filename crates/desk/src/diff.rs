//! Events from a ticket's before and after: every operation changes a copy
//! of the ticket and lets this module say what changed, so no field change
//! can go unrecorded.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use tessera_core::custom_field::{CustomFieldDef, FieldType};
use tessera_core::event::{Change, EventKind, REDACTED, Side};
use tessera_core::status::StatusCategory;
use tessera_core::{Actor, Ticket, Timestamp};
use tessera_store::{MessageRef, NewEvent};

/// Builds the events of one operation.
pub struct Events {
    side: Side,
    actor: Option<tessera_core::ids::UserId>,
    /// How the actor got in, when it was not as themselves: `access_key`
    /// for a guest link (whoever holds it acts as the requester, so the
    /// record says it was the link).
    via: Option<&'static str>,
    at: Timestamp,
    /// The events so far.
    pub list: Vec<NewEvent>,
}

fn ch(old: impl Into<Value>, new: impl Into<Value>) -> Change {
    Change { old: old.into(), new: new.into() }
}

fn opt<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl Events {
    /// Events by `actor` at `at`.
    pub fn new(actor: &Actor, at: Timestamp) -> Self {
        Self::on_side(actor, actor.side(), at)
    }

    /// Events by `actor` on `side`: an agent passing on a customer's words
    /// acts (`actor_id`) on the customer's side, which decides what the
    /// events mean (a customer's reply, `TicketClientReplied`).
    pub fn on_side(actor: &Actor, side: Side, at: Timestamp) -> Self {
        let via = actor.only_ticket.map(|_| "access_key");
        // Tessera itself (user id 0, the mail gateway's hand) is no user.
        let who = (actor.user_id.0 != 0).then_some(actor.user_id);
        Self { side, actor: who, via, at, list: Vec::new() }
    }

    /// No events yet, by the same actor, side and time as `self`.
    pub fn sibling(&self) -> Self {
        Self { side: self.side, actor: self.actor, via: self.via, at: self.at, list: Vec::new() }
    }

    /// Events by the system (automatic assignment).
    pub fn system(at: Timestamp) -> Self {
        Self { side: Side::System, actor: None, via: None, at, list: Vec::new() }
    }

    /// Appends one event.
    pub fn push(
        &mut self,
        kind: EventKind,
        message: Option<MessageRef>,
        changes: BTreeMap<String, Change>,
        mut data: Value,
    ) {
        if let Some(via) = self.via {
            match &mut data {
                Value::Object(map) => {
                    map.insert("via".into(), Value::from(via));
                }
                Value::Null => data = json!({"via": via}),
                other => data = json!({"via": via, "value": other.take()}),
            }
        }
        self.list.push(NewEvent {
            kind,
            side: self.side,
            actor_id: self.actor,
            message,
            changes,
            data,
            created_at: self.at,
        });
    }

    /// Appends the events that describe the difference between `old` and
    /// `new`. Secret custom field values never appear.
    pub fn diff(&mut self, old: &Ticket, new: &Ticket, defs: &[CustomFieldDef]) {
        let one = |field: &str, c: Change| BTreeMap::from([(field.to_string(), c)]);
        if old.status != new.status {
            self.push(
                EventKind::StatusChanged,
                None,
                one("status", ch(old.status.as_str(), new.status.as_str())),
                json!({"old_category": old.status_category, "new_category": new.status_category}),
            );
            let (was, is) = (old.status_category, new.status_category);
            if is == StatusCategory::Solved && was != StatusCategory::Solved {
                self.push(EventKind::Solved, None, BTreeMap::new(), Value::Null);
            }
            if is == StatusCategory::Closed && was != StatusCategory::Closed {
                self.push(EventKind::Closed, None, BTreeMap::new(), json!({"reason": new.closed_reason}));
            }
            if was == StatusCategory::Solved && !is.is_done() {
                self.push(EventKind::Reopened, None, BTreeMap::new(), Value::Null);
            }
        }
        if old.priority != new.priority {
            self.push(
                EventKind::PriorityChanged,
                None,
                one("priority", ch(old.priority.as_str(), new.priority.as_str())),
                Value::Null,
            );
        }
        if old.department_id != new.department_id {
            self.push(
                EventKind::DepartmentChanged,
                None,
                one("department_id", ch(old.department_id.0, new.department_id.0)),
                Value::Null,
            );
        }
        if old.assignee_id != new.assignee_id {
            self.push(
                EventKind::AssigneeChanged,
                None,
                one("assignee_id", ch(opt(&old.assignee_id), opt(&new.assignee_id))),
                Value::Null,
            );
        }
        if old.service_id != new.service_id {
            self.push(
                EventKind::ServiceChanged,
                None,
                one("service_id", ch(opt(&old.service_id), opt(&new.service_id))),
                Value::Null,
            );
        }
        if old.locked != new.locked {
            self.push(EventKind::LockChanged, None, one("locked", ch(old.locked, new.locked)), Value::Null);
        }
        if old.tags != new.tags {
            let added: Vec<&String> = new.tags.iter().filter(|t| !old.tags.contains(t)).collect();
            let removed: Vec<&String> = old.tags.iter().filter(|t| !new.tags.contains(t)).collect();
            self.push(
                EventKind::TagsChanged,
                None,
                one("tags", ch(opt(&old.tags), opt(&new.tags))),
                json!({"added": added, "removed": removed}),
            );
        }
        if old.ticket_type != new.ticket_type {
            self.push(
                EventKind::TypeChanged,
                None,
                one("type", ch(opt(&old.ticket_type), opt(&new.ticket_type))),
                Value::Null,
            );
        }
        if old.custom_fields != new.custom_fields {
            let mut changes = BTreeMap::new();
            let keys: std::collections::BTreeSet<&String> =
                old.custom_fields.keys().chain(new.custom_fields.keys()).collect();
            for k in keys {
                let (a, b) = (old.custom_fields.get(k), new.custom_fields.get(k));
                if a == b {
                    continue;
                }
                let secret = defs.iter().any(|d| &d.key == k && d.field_type == FieldType::Secret);
                let show = |v: Option<&Value>| match v {
                    None | Some(Value::Null) => Value::Null,
                    Some(_) if secret => Value::String(REDACTED.into()),
                    Some(v) => v.clone(),
                };
                changes.insert(format!("custom_fields.{k}"), ch(show(a), show(b)));
            }
            self.push(EventKind::CustomFieldsChanged, None, changes, Value::Null);
        }
        if old.archived != new.archived {
            self.push(EventKind::Archived, None, one("archived", ch(old.archived, new.archived)), Value::Null);
        }
        let mut other = BTreeMap::new();
        if old.subject != new.subject {
            other.insert("subject".to_string(), ch(old.subject.as_str(), new.subject.as_str()));
        }
        if old.cc != new.cc {
            other.insert("cc".to_string(), ch(opt(&old.cc), opt(&new.cc)));
        }
        if old.flagged_id != new.flagged_id {
            other.insert("flagged_id".to_string(), ch(opt(&old.flagged_id), opt(&new.flagged_id)));
        }
        if old.due_at != new.due_at {
            other.insert("due_at".to_string(), ch(opt(&old.due_at), opt(&new.due_at)));
        }
        if old.queue_boost != new.queue_boost {
            other.insert("queue_boost".to_string(), ch(old.queue_boost, new.queue_boost));
        }
        if !other.is_empty() {
            self.push(EventKind::TicketUpdated, None, other, Value::Null);
        }
    }
}
