//! What hooks are sent: Tessera's native shape, and WiseCP's hook names and
//! parameters (seed 000, `spec/compat.md`). Secret custom fields never
//! appear in either.

use chrono_tz::Tz;
use serde_json::{Map, Value, json};
use tessera_core::custom_field::{CustomFieldDef, FieldType};
use tessera_core::status::StatusCategory;
use tessera_core::ticket::Priority;
use tessera_core::{Event, EventKind, Message, Side, Ticket, Timestamp};

/// WiseCP's date format, `Y-m-d H:i:s`, in the configured zone (`[server]
/// timezone`), as every seed-shaped date Tessera writes (`spec/compat.md`).
pub fn wisecp_time(t: Timestamp, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The custom fields that may leave Tessera: everything but secrets.
pub fn public_fields(t: &Ticket, defs: &[CustomFieldDef]) -> Map<String, Value> {
    t.custom_fields
        .iter()
        .filter(|(k, _)| !defs.iter().any(|d| &d.key == *k && d.field_type == FieldType::Secret))
        .filter(|(k, _)| defs.iter().any(|d| &d.key == *k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The ticket as the API shows it to an admin, without secrets.
pub fn native_ticket(t: &Ticket, defs: &[CustomFieldDef], now: Timestamp) -> Value {
    let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("custom_fields".into(), Value::Object(public_fields(t, defs)));
        o.insert("wait_seconds".into(), json!(t.wait_seconds(now)));
    }
    v
}

/// The native body of an event's delivery: `t` is the ticket as of the
/// event, and `as_of` the time its `wait_seconds` is counted to.
pub fn native(
    delivery: i64,
    e: &Event,
    t: &Ticket,
    m: Option<&Message>,
    defs: &[CustomFieldDef],
    as_of: Timestamp,
) -> Value {
    json!({
        "delivery_id": delivery,
        "event_id": e.id,
        "kind": e.kind,
        "side": e.side,
        "actor_id": e.actor_id,
        "created_at": e.created_at,
        "ticket": native_ticket(t, defs, as_of),
        "message": m,
        "changes": e.changes,
        "data": e.data,
    })
}

/// The WiseCP hooks an event is delivered as (none for events seed 000
/// has no hook for).
pub fn wisecp_hooks(e: &Event) -> Vec<&'static str> {
    let agent = e.side != Side::Customer;
    let name = match e.kind {
        EventKind::TicketCreated if agent => "TicketAdminCreated",
        EventKind::TicketCreated => "TicketClientCreated",
        EventKind::TicketReplied if agent => "TicketAdminReplied",
        EventKind::TicketReplied => "TicketClientReplied",
        EventKind::TicketUpdated
        | EventKind::TypeChanged
        | EventKind::TagsChanged
        | EventKind::CustomFieldsChanged
        | EventKind::Archived
            if agent =>
        {
            "TicketAdminUpdated"
        }
        EventKind::Deleted => "TicketDeleted",
        EventKind::MessageEdited => "TicketReplyModified",
        EventKind::MessageDeleted => "TicketReplyDeleted",
        EventKind::Solved => "TicketSolved",
        EventKind::LockChanged => "TicketLockChange",
        EventKind::DepartmentChanged => "TicketDepartmentChange",
        EventKind::PriorityChanged => "TicketPriorityChange",
        EventKind::StatusChanged => "TicketStatusChange",
        EventKind::AssigneeChanged => "TicketAssignedChange",
        EventKind::ServiceChanged => "TicketServiceChange",
        _ => return vec![],
    };
    vec![name]
}

/// Every WiseCP event hook name (seed 000).
pub const WISECP_EVENT_HOOKS: [&str; 15] = [
    "TicketClientCreated",
    "TicketAdminCreated",
    "TicketClientReplied",
    "TicketAdminReplied",
    "TicketAdminUpdated",
    "TicketDeleted",
    "TicketReplyModified",
    "TicketReplyDeleted",
    "TicketSolved",
    "TicketLockChange",
    "TicketDepartmentChange",
    "TicketPriorityChange",
    "TicketStatusChange",
    "TicketAssignedChange",
    "TicketServiceChange",
];

/// WiseCP's status for a category (`waiting`, `replied`, `process`, `solved`).
pub fn wisecp_status(c: StatusCategory) -> &'static str {
    match c {
        StatusCategory::New | StatusCategory::Open => "waiting",
        StatusCategory::Pending => "replied",
        StatusCategory::Hold => "process",
        StatusCategory::Solved | StatusCategory::Closed => "solved",
    }
}

/// WiseCP's priority (1 low, 2 medium, 3 high; urgent is high).
pub fn wisecp_priority(p: Priority) -> i64 {
    match p {
        Priority::Low => 1,
        Priority::Normal => 2,
        Priority::High | Priority::Urgent => 3,
    }
}

/// Seed 000's ticket parameters, dates in `tz`. `message` is the first
/// message's text, on create hooks.
pub fn wisecp_ticket(t: &Ticket, defs: &[CustomFieldDef], message: Option<&str>, tz: Tz) -> Value {
    let status = if t.status.as_str() == "in_progress" { "process" } else { wisecp_status(t.status_category) };
    let mut p = json!({
        "id": t.id.0,
        "did": t.department_id.0,
        "user_id": t.requester_id.0,
        "status": status,
        "locked": i64::from(t.locked),
        "priority": wisecp_priority(t.priority),
        "title": t.subject,
        "ctime": wisecp_time(t.created_at, tz),
        "lastreply": wisecp_time(t.last_reply_at.unwrap_or(t.created_at), tz),
        // Seed 000: 0 = not read, 1 = read.
        "userunread": i64::from(!t.customer_unread),
        "adminunread": i64::from(!t.agent_unread),
        "service": t.service_id.map_or(0, |s| s.0),
        "assigned": t.assignee_id.map_or(0, |a| a.0),
        "assignedBy": t.assigned_by_id.map_or(0, |a| a.0),
        "custom_fields": Value::Object(public_fields(t, defs)),
    });
    if let (Some(m), Some(o)) = (message, p.as_object_mut()) {
        o.insert("message".into(), Value::String(m.to_string()));
    }
    p
}

/// Seed 000's reply parameters, dates in `tz`.
pub fn wisecp_reply(m: &Message, tz: Tz) -> Value {
    json!({
        "id": m.id.0,
        "user_id": m.author.user_id.map_or(0, |u| u.0),
        "owner_id": m.ticket_id.0,
        "admin": i64::from(m.author.staff),
        "name": m.author.name,
        "encrypted": i64::from(m.encrypted),
        "message": m.body,
        "ctime": wisecp_time(m.created_at, tz),
        "ip": m.author_ip.clone().unwrap_or_default(),
    })
}

/// The WiseCP body of hook `name` for a ticket (and its message), dates in `tz`.
pub fn wisecp(name: &str, t: &Ticket, m: Option<&Message>, defs: &[CustomFieldDef], tz: Tz) -> Value {
    let reply_hook =
        matches!(name, "TicketClientReplied" | "TicketAdminReplied" | "TicketReplyModified" | "TicketReplyDeleted");
    let params = match (reply_hook, m) {
        (true, Some(m)) => json!({"request": wisecp_ticket(t, defs, None, tz), "reply": wisecp_reply(m, tz)}),
        _ => {
            let create = matches!(name, "TicketClientCreated" | "TicketAdminCreated");
            wisecp_ticket(t, defs, if create { m.map(|m| m.body.as_str()) } else { None }, tz)
        }
    };
    json!({"hook": name, "params": params})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sla_alerts_have_no_wisecp_hook() {
        use tessera_core::ids::*;
        for kind in [EventKind::SlaWarning, EventKind::SlaBreached] {
            let e = Event {
                id: EventId(1),
                ticket_id: TicketId(1),
                actor_id: None,
                side: Side::System,
                kind,
                message_id: None,
                changes: Default::default(),
                data: Value::Null,
                ticket_version: 1,
                created_at: Timestamp::default(),
            };
            assert!(wisecp_hooks(&e).is_empty(), "{kind}");
            assert!(!kind.customer_visible(), "{kind}");
        }
    }

    #[test]
    fn every_seed_hook_has_an_event() {
        use tessera_core::ids::*;
        let mut covered: Vec<&str> = Vec::new();
        for kind in EventKind::ALL {
            for side in [Side::Customer, Side::Agent] {
                let e = Event {
                    id: EventId(1),
                    ticket_id: TicketId(1),
                    actor_id: None,
                    side,
                    kind: *kind,
                    message_id: None,
                    changes: Default::default(),
                    data: Value::Null,
                    ticket_version: 1,
                    created_at: Timestamp::default(),
                };
                covered.extend(wisecp_hooks(&e));
            }
        }
        for hook in WISECP_EVENT_HOOKS {
            assert!(covered.contains(&hook), "{hook} is never delivered");
        }
    }
}
