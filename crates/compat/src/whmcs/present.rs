//! Tessera's tickets and messages in WHMCS's shapes: string-typed ids,
//! `Y-m-d H:i:s` dates in the configured zone, `S<id>`/`D<id>` services,
//! requestor types.

use super::answer::{Fields, WhmcsError};
use super::context::Ctx;
use super::statuses;
use crate::common::{whmcs_priority, ymd_his, ymd_his_or_empty};
use serde_json::{Value, json};
use tessera_core::ids::{AttachmentId, UserId};
use tessera_core::message::MessageKind;
use tessera_core::{Message, ServiceKind, Ticket, User};

/// WHMCS's `requestor_type` for a user writing on a ticket of `client` (its
/// requester): `Operator` for staff, `Guest` for a customer without a
/// password (or no account), `Owner` for the client, `Authorized User` for
/// anyone else (a member of the client's organization acting for it).
pub fn requestor_type(user: Option<&User>, client: UserId) -> &'static str {
    match user {
        None => "Guest",
        Some(u) if u.role.is_staff() => "Operator",
        Some(u) if u.password_hash.is_none() => "Guest",
        Some(u) if u.id == client => "Owner",
        Some(_) => "Authorized User",
    }
}

/// A customer's message on `t` in WHMCS's ids: `userid` is the client the
/// ticket belongs to (its requester), `contactid` the contact who wrote it
/// when that is someone else (a member of the client's organization), else 0.
fn client_and_contact(t: &Ticket, author: Option<UserId>) -> (i64, i64) {
    let contact = author.filter(|a| *a != t.requester_id).map_or(0, |a| a.0);
    (t.requester_id.0, contact)
}

/// A number as WHMCS writes ids: a string.
pub fn id_text(n: i64) -> Value {
    Value::String(n.to_string())
}

/// `S<id>` for a service, `D<id>` for a domain, `""` for none.
async fn service_text(ctx: &mut Ctx, t: &Ticket) -> Result<String, WhmcsError> {
    let Some(sid) = t.service_id else { return Ok(String::new()) };
    Ok(match ctx.service(sid).await? {
        Some(s) if s.kind == ServiceKind::Domain => format!("D{}", sid.0),
        _ => format!("S{}", sid.0),
    })
}

/// The legacy `attachment` text (`<id>_<name>|…`) and the
/// `attachments[] {filename, index}` list of a message.
async fn attachments(ctx: &mut Ctx, ids: &[AttachmentId]) -> Result<(String, Value), WhmcsError> {
    let mut legacy = Vec::new();
    let mut list = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let name = ctx.filename(*id).await?;
        legacy.push(format!("{}_{}", id.0, name));
        list.push(json!({"filename": name, "index": i}));
    }
    Ok((legacy.join("|"), Value::Array(list)))
}

/// The opening message of a conversation (the first public reply, else the
/// first message).
pub fn opening(messages: &[Message]) -> Option<&Message> {
    let earliest = |kind: Option<MessageKind>| {
        messages.iter().filter(|m| kind.is_none_or(|k| m.kind == k)).min_by_key(|m| (m.created_at, m.id.0))
    };
    earliest(Some(MessageKind::Reply)).or_else(|| earliest(None))
}

/// The fields a ticket has both in `GetTickets` and `GetTicket`: `name` and
/// `email` are the client's (the requester's), `requestor_*` and
/// `contactid` say which customer opened it (the client or a contact).
async fn common(ctx: &mut Ctx, t: &Ticket, first: Option<&Message>) -> Result<Fields, WhmcsError> {
    let requester = ctx.user(t.requester_id).await?;
    let (name, email) =
        requester.as_ref().map_or((String::new(), String::new()), |u| (u.name.clone(), u.email.to_string()));
    let admin = first.filter(|m| m.author.staff).map(|m| m.author.name.clone()).unwrap_or_default();
    // A ticket a customer opened names them; one an agent opened, its client.
    let opener = match first.filter(|m| !m.author.staff).and_then(|m| m.author.user_id) {
        Some(u) if u != t.requester_id => ctx.user(u).await?,
        _ => requester.clone(),
    };
    let (_, contact) = client_and_contact(t, opener.as_ref().map(|u| u.id));
    let (requestor_name, requestor_email) =
        opener.as_ref().map_or((name.clone(), email.clone()), |u| (u.name.clone(), u.email.to_string()));
    let (legacy, list) = match first {
        Some(m) => attachments(ctx, &m.attachment_ids).await?,
        None => (String::new(), Value::Array(vec![])),
    };
    let cc: Vec<String> = t.cc.emails.iter().map(ToString::to_string).collect();
    let mut f = Fields::new();
    f.insert("tid".into(), Value::String(t.number.clone()));
    f.insert("c".into(), Value::String(t.access_key.clone()));
    f.insert("deptid".into(), id_text(t.department_id.0));
    f.insert("userid".into(), id_text(t.requester_id.0));
    f.insert("contactid".into(), id_text(contact));
    f.insert("name".into(), Value::String(name.clone()));
    f.insert("owner_name".into(), Value::String(name));
    f.insert("email".into(), Value::String(email));
    f.insert("requestor_name".into(), Value::String(requestor_name));
    f.insert("requestor_email".into(), Value::String(requestor_email));
    f.insert("requestor_type".into(), Value::String(requestor_type(opener.as_ref(), t.requester_id).into()));
    f.insert("cc".into(), Value::String(cc.join(",")));
    f.insert("date".into(), Value::String(ymd_his(t.created_at, ctx.tz)));
    f.insert("subject".into(), Value::String(t.subject.clone()));
    f.insert("status".into(), Value::String(statuses::title(t).into()));
    f.insert("priority".into(), Value::String(whmcs_priority(t.priority).into()));
    f.insert("admin".into(), Value::String(admin));
    f.insert("attachment".into(), Value::String(legacy));
    f.insert("attachments".into(), list);
    f.insert("attachments_removed".into(), Value::Bool(false));
    f.insert("lastreply".into(), Value::String(ymd_his_or_empty(t.last_reply_at, ctx.tz)));
    f.insert("flag".into(), id_text(t.flagged_id.map_or(0, |u| u.0)));
    f.insert("service".into(), Value::String(service_text(ctx, t).await?));
    Ok(f)
}

/// A `tickets.ticket[]` item of `GetTickets`.
pub async fn list_item(ctx: &mut Ctx, t: &Ticket, first: Option<&Message>) -> Result<Value, WhmcsError> {
    let mut f = Fields::new();
    f.insert("id".into(), id_text(t.id.0));
    f.extend(common(ctx, t, first).await?);
    Ok(Value::Object(f))
}

/// `GetTicket`'s answer: the ticket, `replies.reply[]` (the opening
/// message as `replyid` "0") and `notes.note[]`.
pub async fn detail(ctx: &mut Ctx, t: &Ticket, messages: &[Message]) -> Result<Fields, WhmcsError> {
    let first = opening(messages);
    let first_id = first.map(|m| m.id);
    let mut f = Fields::new();
    f.insert("ticketid".into(), id_text(t.id.0));
    f.extend(common(ctx, t, first).await?);
    let deptname = ctx.department_name(t.department_id).await?.unwrap_or_default();
    f.insert("deptname".into(), Value::String(deptname));
    let mut replies = Vec::new();
    let mut notes = Vec::new();
    for m in messages.iter().filter(|m| m.deleted_at.is_none()) {
        if m.kind == MessageKind::Note {
            notes.push(note_item(ctx, m, "noteid").await?);
        } else {
            replies.push(reply_item(ctx, t, m, Some(m.id) == first_id).await?);
        }
    }
    f.insert("replies".into(), json!({ "reply": replies }));
    f.insert("notes".into(), json!({ "note": notes }));
    Ok(f)
}

async fn reply_item(ctx: &mut Ctx, t: &Ticket, m: &Message, opening: bool) -> Result<Value, WhmcsError> {
    let user = match m.author.user_id {
        Some(u) => ctx.user(u).await?,
        None => None,
    };
    let email = m.author.email.clone().or_else(|| user.as_ref().map(|u| u.email.to_string())).unwrap_or_default();
    let (legacy, list) = attachments(ctx, &m.attachment_ids).await?;
    let staff = m.author.staff;
    let (client, contact) = if staff { (0, 0) } else { client_and_contact(t, m.author.user_id) };
    let mut f = Fields::new();
    f.insert("replyid".into(), id_text(if opening { 0 } else { m.id.0 }));
    f.insert("userid".into(), id_text(client));
    f.insert("contactid".into(), id_text(contact));
    f.insert("name".into(), Value::String(if staff { String::new() } else { m.author.name.clone() }));
    f.insert("email".into(), Value::String(if staff { String::new() } else { email.clone() }));
    f.insert("requestor_name".into(), Value::String(m.author.name.clone()));
    f.insert("requestor_email".into(), Value::String(email));
    let kind = if staff { "Operator" } else { requestor_type(user.as_ref(), t.requester_id) };
    f.insert("requestor_type".into(), Value::String(kind.into()));
    f.insert("date".into(), Value::String(ymd_his(m.created_at, ctx.tz)));
    f.insert("message".into(), Value::String(m.body.clone()));
    f.insert("attachment".into(), Value::String(legacy));
    f.insert("attachments".into(), list);
    f.insert("attachments_removed".into(), Value::Bool(false));
    f.insert("admin".into(), Value::String(if staff { m.author.name.clone() } else { String::new() }));
    if !opening {
        f.insert("rating".into(), id_text(m.rating.map_or(0, i64::from)));
    }
    Ok(Value::Object(f))
}

/// A note (`noteid` inside `GetTicket`, `id` in `GetTicketNotes`).
pub async fn note_item(ctx: &mut Ctx, m: &Message, id_key: &str) -> Result<Value, WhmcsError> {
    let (legacy, list) = attachments(ctx, &m.attachment_ids).await?;
    let mut f = Fields::new();
    f.insert(id_key.into(), id_text(m.id.0));
    f.insert("admin".into(), Value::String(m.author.name.clone()));
    f.insert("date".into(), Value::String(ymd_his(m.created_at, ctx.tz)));
    f.insert("message".into(), Value::String(m.body.clone()));
    f.insert("attachment".into(), Value::String(legacy));
    f.insert("attachments".into(), list);
    f.insert("attachments_removed".into(), Value::Bool(false));
    Ok(Value::Object(f))
}
