//! The ticket functions: `clientticket` (the list), `clientticket.edit`
//! (view, create, reply) and `clientticket.archive`, each a mapping onto
//! the desk's own operations for the caller.

use super::Caller;
use super::doc::{Doc, Elem};
use super::error::BmError;
use super::filter::{self, ListFilter};
use super::params::{Params, id_list, positive_id};
use crate::CompatState;
use crate::common::{StatusRow, priority_number, ticket_row, ymd_his};
use std::collections::HashMap;
use tessera_core::ids::{DepartmentId, ServiceId, TicketId, UserId};
use tessera_core::message::{MessageKind, validate_body};
use tessera_core::ticket::{Source, Ticket};
use tessera_core::{Timestamp, status::StatusCategory};
use tessera_desk::{OpenTicket, Origin, PostMessage, TicketListQuery};
use tessera_store::{TicketFilter, TicketSort};

/// The most tickets `clientticket` reads for one answer (the list has no
/// paging in the original's simple form; a customer's list is far shorter).
const MAX_LISTED: usize = 2000;

/// BILLmanager's `tstatus` of a ticket: 0 new, 1 under review, 2 awaiting
/// the customer, 3 closed, 10 archived.
pub fn tstatus(t: &Ticket) -> u8 {
    if t.archived {
        return 10;
    }
    match ticket_row(t) {
        StatusRow::New => 0,
        StatusRow::Open | StatusRow::InProgress => 1,
        StatusRow::Answered | StatusRow::OnHold => 2,
        StatusRow::Solved | StatusRow::Closed => 3,
    }
}

/// How long a ticket has waited for an agent, `H:MM` (hours unbounded);
/// empty when it is not waiting.
pub fn wait_time(t: &Ticket, now: Timestamp) -> String {
    if matches!(t.status_category, StatusCategory::Solved | StatusCategory::Closed) {
        return String::new();
    }
    match t.wait_seconds(now) {
        Some(secs) => format!("{}:{:02}", secs / 3600, (secs % 3600) / 60),
        None => String::new(),
    }
}

/// Where a dialect call comes from, for the message record.
fn origin(caller: &Caller) -> Origin {
    Origin { channel: Source::Api, ip: caller.peer.map(|ip| ip.to_string()), mail: None }
}

/// A ticket the caller may see (with `su`, both the customer and the agent
/// behind it must see it), or BILLmanager's not-found error.
async fn visible(state: &CompatState, caller: &Caller, id: i64) -> Result<Ticket, BmError> {
    state
        .desk
        .ticket_for_both(&caller.actor, &caller.real, TicketId(id))
        .await
        .map_err(|e| BmError::from_desk(e, Some(&id.to_string())))
}

/// The tickets of one archive state the caller may see, newest activity first.
async fn tickets_where(
    state: &CompatState,
    caller: &Caller,
    f: &ListFilter,
    archived: bool,
) -> Result<Vec<Ticket>, BmError> {
    let mut filter = TicketFilter { archived: Some(archived), ..TicketFilter::default() };
    if let Some(d) = f.client_department {
        filter.department_ids = vec![DepartmentId(d)];
    }
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let q =
            TicketListQuery { filter: filter.clone(), sort: TicketSort::default(), after, offset: 0, limit: Some(100) };
        let page = state.desk.list_tickets(&caller.actor, q).await.map_err(|e| BmError::from_desk(e, None))?;
        out.extend(state.desk.also_seen_by(&caller.real, page.tickets));
        match page.next {
            Some(next) if out.len() < MAX_LISTED => after = Some(next),
            _ => break,
        }
    }
    Ok(out)
}

/// `clientticket`: the caller's tickets under their stored filter.
pub async fn list(state: &CompatState, caller: &Caller) -> Result<Doc, BmError> {
    let f = filter::load(state, caller).await?;
    let mut tickets = tickets_where(state, caller, &f, false).await?;
    if f.archived || f.tstatus == Some(10) {
        tickets.extend(tickets_where(state, caller, &f, true).await?);
        tickets.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
    }
    let now = state.desk.now();
    let tz = state.config.timezone;
    let mut names: HashMap<UserId, String> = HashMap::new();
    let mut rows = Vec::new();
    for t in tickets.iter().take(MAX_LISTED) {
        let ts = tstatus(t);
        if f.tstatus.is_some_and(|want| want != ts) || !f.name_matches(&t.subject) {
            continue;
        }
        let author = match names.get(&t.requester_id) {
            Some(n) => n.clone(),
            None => {
                let n = state
                    .desk
                    .user_name(t.requester_id)
                    .await
                    .map_err(|e| BmError::from_desk(e, None))?
                    .unwrap_or_default();
                names.insert(t.requester_id, n.clone());
                n
            }
        };
        rows.push(Elem::row(vec![
            ("id", t.id.to_string()),
            ("name", t.subject.clone()),
            ("last_message", ymd_his(t.last_reply_at.unwrap_or(t.created_at), tz)),
            ("wait_time", wait_time(t, now)),
            ("create_user", author),
            ("tstatus", ts.to_string()),
        ]));
    }
    Ok(Doc::list(rows))
}

/// `clientticket.edit`: view (`elid`), create (`sok`), reply (`sok` + `elid`).
pub async fn edit(state: &CompatState, caller: &Caller, p: &Params) -> Result<Doc, BmError> {
    let elid = p.get("elid").map(|v| positive_id("elid", v)).transpose()?;
    match (p.sok(), elid) {
        (false, Some(id)) => view(state, caller, id).await,
        (false, None) => Ok(Doc::new(vec![
            Elem::value("id", ""),
            Elem::value("name", ""),
            Elem::value("client_department", ""),
            Elem::value("ticket_item", ""),
            Elem::value("priority", priority_number(tessera_core::ticket::Priority::Normal).to_string()),
            Elem::value("tstatus", ""),
        ])),
        (true, None) => create(state, caller, p).await,
        (true, Some(id)) => reply(state, caller, p, id).await,
    }
}

/// The ticket's fields and its public messages, oldest first.
async fn view(state: &CompatState, caller: &Caller, id: i64) -> Result<Doc, BmError> {
    let t = visible(state, caller, id).await?;
    let detail = state
        .desk
        .ticket_detail(&caller.actor, t.id, false)
        .await
        .map_err(|e| BmError::from_desk(e, Some(&id.to_string())))?;
    let tz = state.config.timezone;
    let t = &detail.ticket;
    let mut children = vec![
        Elem::value("id", t.id.to_string()),
        Elem::value("name", t.subject.clone()),
        Elem::value("client_department", t.department_id.to_string()),
        Elem::value("ticket_item", t.service_id.map(|s| s.to_string()).unwrap_or_default()),
        Elem::value("priority", priority_number(t.priority).to_string()),
        Elem::value("tstatus", tstatus(t).to_string()),
    ];
    // Internal notes never reach this client-side function, whoever calls it.
    for m in detail.messages.iter().filter(|m| m.kind == MessageKind::Reply && m.deleted_at.is_none()) {
        children.push(Elem::row(vec![
            ("id", m.id.to_string()),
            ("message", m.body.clone()),
            ("date_post", ymd_his(m.created_at, tz)),
            ("message_user", m.author.name.clone()),
            ("admin", if m.author.staff { "on" } else { "off" }.to_string()),
        ]));
    }
    Ok(Doc::new(children))
}

/// Opens a ticket from the form.
async fn create(state: &CompatState, caller: &Caller, p: &Params) -> Result<Doc, BmError> {
    if caller.actor.is_staff() {
        return Err(BmError::new("access", "su", "Agents open tickets for a customer: add su=<customer e-mail or id>"));
    }
    let subject = p.required("name")?;
    let department = p.get("client_department").ok_or_else(|| BmError::missed("client_department"))?;
    let department = positive_id("client_department", department)?;
    let message = p.required("message")?;
    let service = match (p.id("ticket_item")?, p.id("item")?) {
        (Some(a), Some(b)) if a != b => {
            return Err(BmError::value("item", "'ticket_item' and 'item' name different services"));
        }
        (a, b) => a.or(b),
    };
    let priority = match (p.priority("priority")?, p.priority("client_priority")?) {
        (Some(a), Some(b)) if a != b => {
            return Err(BmError::value("client_priority", "'priority' and 'client_priority' differ"));
        }
        (a, b) => a.or(b),
    };
    if caller.real != caller.actor {
        // With su, the agent behind it must be allowed to open there too
        // (decision 34: agents open tickets in their own departments).
        state
            .desk
            .check_may_open(&caller.real, DepartmentId(department))
            .await
            .map_err(|e| BmError::from_desk(e, None))?;
    }
    let mut input = OpenTicket::new(subject, DepartmentId(department), message);
    input.priority = priority;
    input.service_id = service.map(ServiceId);
    let detail = state.desk.open_ticket(&caller.actor, input, &origin(caller)).await.map_err(|e| {
        let mut err = BmError::from_desk(e, None);
        if err.object == "ticket_item" && p.get("ticket_item").is_none() {
            err.object = "item".into();
        }
        err
    })?;
    Ok(Doc::ok(Some(detail.ticket.id.to_string())))
}

/// Adds the caller's reply (and changes the priority when asked).
async fn reply(state: &CompatState, caller: &Caller, p: &Params, id: i64) -> Result<Doc, BmError> {
    let message = p.required("message")?;
    validate_body(message).map_err(|e| BmError::value("message", e.to_string()))?;
    let priority = match (p.priority("priority")?, p.priority("client_priority")?) {
        (Some(a), Some(b)) if a != b => {
            return Err(BmError::value("client_priority", "'priority' and 'client_priority' differ"));
        }
        (a, b) => a.or(b),
    };
    let t = visible(state, caller, id).await?;
    let elid = id.to_string();
    // One change: the reply and its priority. An agent acting with `su`
    // writes the customer's words (`author_id`: the events name the agent)
    // and may set the priority; a customer alone may not (the desk's rule).
    let mut input = PostMessage { priority, ..PostMessage::text(message) };
    let acting = if caller.real.is_staff() && caller.real.user_id != caller.actor.user_id {
        input.author_id = Some(caller.actor.user_id);
        &caller.real
    } else {
        &caller.actor
    };
    let posted = state.desk.reply(acting, t.id, input, &origin(caller)).await.map_err(|e| match e.field() {
        Some("priority") => BmError::new("access", "priority", "Customers may not change the priority of a ticket"),
        _ => BmError::from_desk(e, Some(&elid)),
    })?;
    Ok(Doc::ok(Some(posted.ticket.id.to_string())))
}

/// `clientticket.archive`: archives every listed ticket, or none when one
/// of them cannot be found.
pub async fn archive(state: &CompatState, caller: &Caller, p: &Params) -> Result<Doc, BmError> {
    let ids = id_list("elid", p.required("elid")?)?;
    let mut tickets = Vec::with_capacity(ids.len());
    for id in &ids {
        tickets.push(visible(state, caller, *id).await?);
    }
    // One change for all of them: every one archived, or none.
    let ids: Vec<TicketId> = tickets.iter().map(|t| t.id).collect();
    state.desk.archive_tickets(&caller.actor, &ids, true).await.map_err(|e| BmError::from_desk(e, None))?;
    let list = ids.iter().map(|id| id.0.to_string()).collect::<Vec<_>>().join(", ");
    Ok(Doc::ok(Some(list)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn wait_time_is_hours_and_minutes() {
        let now: Timestamp = chrono::DateTime::parse_from_rfc3339("2026-11-23T07:00:00Z").unwrap().into();
        let mut t: Ticket = serde_json::from_value(sample()).unwrap();
        t.status_category = StatusCategory::Open;
        t.awaiting_agent_since = Some(now - chrono::Duration::minutes(125 * 60 + 7));
        assert_eq!(wait_time(&t, now), "125:07");
        t.awaiting_agent_since = Some(now - chrono::Duration::seconds(59));
        assert_eq!(wait_time(&t, now), "0:00");
        t.awaiting_agent_since = None;
        assert_eq!(wait_time(&t, now), "");
    }

    #[test]
    fn tstatus_follows_the_table() {
        let mut t: Ticket = serde_json::from_value(sample()).unwrap();
        for (key, cat, want) in [
            ("new", StatusCategory::New, 0),
            ("open", StatusCategory::Open, 1),
            ("in_progress", StatusCategory::Open, 1),
            ("answered", StatusCategory::Pending, 2),
            ("on_hold", StatusCategory::Hold, 2),
            ("solved", StatusCategory::Solved, 3),
            ("closed", StatusCategory::Closed, 3),
            ("waiting_on_vendor", StatusCategory::Hold, 2),
        ] {
            t.status = tessera_core::status::StatusKey(key.into());
            t.status_category = cat;
            assert_eq!(tstatus(&t), want, "{key}");
        }
        t.archived = true;
        assert_eq!(tstatus(&t), 10);
    }

    fn sample() -> serde_json::Value {
        serde_json::json!({
            "id": 1, "number": "100001", "access_key": "k", "subject": "s", "department_id": 1,
            "requester_id": 2, "organization_id": null, "service_id": null, "assignee_id": null,
            "assigned_by_id": null, "flagged_id": null, "cc": {}, "tags": [],
            "type": null, "priority": "normal", "status": "new", "status_category": "new", "source": "api",
            "custom_fields": {}, "locked": false, "archived": false, "queue_boost": false,
            "closed_reason": null, "merged_into_id": null, "follow_up_of_id": null,
            "created_at": "2026-11-23T06:00:00Z", "updated_at": "2026-11-23T06:00:00Z",
            "last_reply_at": null, "last_customer_reply_at": null, "last_agent_reply_at": null,
            "first_response_at": null, "awaiting_agent_since": null, "solved_at": null, "closed_at": null,
            "due_at": null, "deleted_at": null, "customer_unread": false, "agent_unread": false, "version": 1
        })
    }
}
