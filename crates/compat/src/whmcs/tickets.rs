//! The ticket actions: listing, reading, opening, replying, noting,
//! updating, deleting, merging, attachments and blocking a sender.

use super::answer::{Fields, WhmcsError};
use super::context::Ctx;
use super::params::Params;
use super::present::{self, id_text};
use super::statuses;
use crate::common::{parse_local, priority_from_whmcs};
use base64::Engine;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tessera_core::custom_field::FieldType;
use tessera_core::ids::{AttachmentId, DepartmentId, MessageId, ServiceId, TicketId, UserId};
use tessera_core::message::MessageKind;
use tessera_core::status::Status;
use tessera_core::ticket::{Cc, Priority};
use tessera_core::view::{Field, Operator, Resolved, ResolvedConditions, ResolvedValue};
use tessera_core::{Email, Message, ServiceKind, Ticket, User};
use tessera_desk::inputs::{EditMessage, OpenTicket, PostMessage, RequesterInput, TicketPatch};
use tessera_desk::{DeskError, TicketListQuery};
use tessera_store::{SortField, TicketFilter, TicketSort, UserQuery};

const TICKET_NOT_FOUND: &str = "Ticket ID Not Found";

fn desk(e: DeskError) -> WhmcsError {
    WhmcsError::from_desk(e, TICKET_NOT_FOUND)
}

/// The status catalogue.
async fn catalogue(ctx: &Ctx) -> Result<Vec<Status>, WhmcsError> {
    ctx.desk.statuses().await.map_err(desk)
}

/// The ticket named by `ticketid` (required), if the caller may see it.
async fn ticket_by_id(ctx: &Ctx, p: &Params) -> Result<Ticket, WhmcsError> {
    let id = p.id("ticketid")?.ok_or_else(|| WhmcsError::bad("Ticket ID Required"))?;
    ctx.desk.ticket(&ctx.actor, TicketId(id)).await.map_err(desk)
}

/// The ticket named by `ticketid`, or else by its number `ticketnum`.
async fn ticket_by_id_or_number(ctx: &Ctx, p: &Params) -> Result<Ticket, WhmcsError> {
    if p.text("ticketid").is_some() {
        return ticket_by_id(ctx, p).await;
    }
    let Some(number) = p.text("ticketnum") else { return Err(WhmcsError::bad("Ticket ID Required")) };
    let filter = TicketFilter { number: Some(number.trim().to_string()), ..TicketFilter::default() };
    let page = ctx
        .desk
        .list_tickets(&ctx.actor, TicketListQuery { filter, limit: Some(1), ..TicketListQuery::default() })
        .await
        .map_err(desk)?;
    page.tickets.into_iter().next().ok_or_else(|| WhmcsError::not_found(TICKET_NOT_FOUND))
}

/// The opening message of a ticket (for `admin` and `attachment`).
async fn first_message(ctx: &Ctx, t: &Ticket) -> Result<Option<Message>, WhmcsError> {
    let messages = ctx.desk.messages(&ctx.actor, t.id, false).await.map_err(desk)?;
    Ok(present::opening(&messages).cloned())
}

/// A customer named by id (`clientid`, `contactid`), or `message` when
/// there is none.
async fn customer(ctx: &mut Ctx, id: i64, message: &str) -> Result<User, WhmcsError> {
    match ctx.user(UserId(id)).await? {
        Some(u) if !u.role.is_staff() => Ok(u),
        _ => Err(WhmcsError::not_found(message)),
    }
}

/// A contact of `client`: a customer of the client's organization, or
/// "Contact ID Not Found".
async fn contact_of(ctx: &mut Ctx, client: &User, id: i64) -> Result<UserId, WhmcsError> {
    let member = customer(ctx, id, "Contact ID Not Found").await?;
    if client.organization_id.is_none() || member.organization_id != client.organization_id {
        return Err(WhmcsError::not_found("Contact ID Not Found"));
    }
    Ok(member.id)
}

/// `message`, required, checked as the desk will check it (so an action
/// that does two things does not stop halfway over a bad text).
fn required_message(p: &Params) -> Result<String, WhmcsError> {
    let text = p.text("message").ok_or_else(|| WhmcsError::bad("Message is required"))?;
    tessera_core::message::validate_body(text).map_err(|e| WhmcsError::bad(e.to_string()))?;
    Ok(text.to_string())
}

fn priority(p: &Params) -> Result<Option<Priority>, WhmcsError> {
    match p.text("priority") {
        None => Ok(None),
        Some(t) => priority_from_whmcs(t)
            .map(Some)
            .ok_or_else(|| WhmcsError::bad("Invalid Ticket Priority. Valid priorities are: Low,Medium,High")),
    }
}

/// `created` is accepted only as a valid past date; Tessera does not
/// backdate (the date is the time of writing), so a valid one is ignored.
fn check_created(ctx: &Ctx, p: &Params) -> Result<(), WhmcsError> {
    let Some(text) = p.text("created") else { return Ok(()) };
    let at = parse_local(text, ctx.tz)
        .or_else(|| chrono::DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.with_timezone(&chrono::Utc)))
        .ok_or_else(|| WhmcsError::bad("Invalid Date Format - Expected: ISO8601 or YYYY-MM-DD HH:mm:ss"))?;
    if at > ctx.desk.now() {
        return Err(WhmcsError::bad("Ticket creation date cannot be in the future"));
    }
    Ok(())
}

/// `customfields` as Tessera's values by field key, typed per field.
async fn custom_fields(ctx: &Ctx, p: &Params) -> Result<BTreeMap<String, Value>, WhmcsError> {
    let given = p.custom_fields()?;
    if given.is_empty() {
        return Ok(BTreeMap::new());
    }
    let defs = ctx.desk.custom_fields(&ctx.actor).await.map_err(desk)?;
    let mut out = BTreeMap::new();
    for (id, text) in given {
        let def = defs
            .iter()
            .find(|d| d.id.0 == id)
            .ok_or_else(|| WhmcsError::bad(format!("Custom Field ID {id} Not Found")))?;
        let value = match def.field_type {
            FieldType::Number => {
                let n: f64 =
                    text.trim().parse().map_err(|_| WhmcsError::bad(format!("Custom field {id} expects a number")))?;
                serde_json::Number::from_f64(n)
                    .map(Value::Number)
                    .ok_or_else(|| WhmcsError::bad(format!("Custom field {id} expects a number")))?
            }
            FieldType::Checkbox => {
                Value::Bool(matches!(text.trim().to_ascii_lowercase().as_str(), "on" | "1" | "true" | "yes"))
            }
            FieldType::Multiselect => Value::Array(
                text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.into())).collect(),
            ),
            _ => Value::String(text),
        };
        // The desk checks the value, with the rest of the change.
        out.insert(def.key.clone(), value);
    }
    Ok(out)
}

/// A desk refusal, naming a custom field by its id as WHMCS does
/// (`Custom field 3: …`); any other as [`desk`] does.
async fn refusal(ctx: &Ctx, e: DeskError) -> WhmcsError {
    let key = e.field().and_then(|f| f.strip_prefix("custom_fields.")).map(str::to_string);
    if let Some(key) = key
        && let Ok(defs) = ctx.desk.custom_fields(&ctx.actor).await
        && let Some(d) = defs.iter().find(|d| d.key == key)
    {
        return WhmcsError::bad(format!("Custom field {}: {e}", d.id.0));
    }
    desk(e)
}

/// Uploads `attachments` (already decoded and checked) for a message.
async fn upload(ctx: &Ctx, files: Vec<(String, Vec<u8>)>) -> Result<Vec<AttachmentId>, WhmcsError> {
    let mut ids = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let rec = ctx.desk.upload(&ctx.actor, &name, bytes).await.map_err(desk)?;
        ids.push(rec.id);
    }
    Ok(ids)
}

/// `GetTickets`.
pub async fn get_tickets(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let start = p.count("limitstart", 0)?;
    let num = p.count("limitnum", 25)?.clamp(1, 100);
    // Accepted for compatibility; a credential never sees more than its
    // native scope (an admin sees every department anyway).
    p.flag("ignore_dept_assignments")?;
    let mut filter = TicketFilter::default();
    let mut conds = ResolvedConditions::default();
    if let Some(d) = p.id("deptid")? {
        filter.department_ids = vec![DepartmentId(d)];
    }
    if let Some(c) = p.id("clientid")? {
        filter.requester_id = Some(UserId(c));
    }
    let mut nobody = false;
    if let Some(email) = p.text("email") {
        let email = email.trim();
        let q = UserQuery { search: Some(email.to_string()), limit: 200, ..UserQuery::default() };
        let users = ctx.desk.list_users(&ctx.actor, q).await.map_err(desk)?;
        match users.iter().find(|u| u.email.as_str().eq_ignore_ascii_case(email)) {
            Some(u) if filter.requester_id.is_none_or(|r| r == u.id) => filter.requester_id = Some(u.id),
            _ => nobody = true,
        }
    }
    if let Some(status) = p.text("status") {
        let cat = catalogue(ctx).await?;
        statuses::narrow(&mut filter, &mut conds, status, ctx.actor.user_id, &cat)?;
    }
    if let Some(subject) = p.text("subject") {
        conds.all.push(Resolved {
            field: Field::Subject,
            operator: Operator::Contains,
            value: ResolvedValue::Texts(vec![subject.trim().to_string()]),
        });
    }
    if !conds.all.is_empty() || !conds.any.is_empty() {
        filter.view = Some(conds);
    }
    let mut items = Vec::new();
    let mut total = 0;
    if !nobody {
        let query = TicketListQuery {
            filter,
            sort: TicketSort { field: SortField::Id, descending: true, boosted_first: false },
            after: None,
            offset: start,
            limit: Some(num),
        };
        let page = ctx.desk.list_tickets(&ctx.actor, query).await.map_err(desk)?;
        total = page.total;
        for t in &page.tickets {
            let first = first_message(ctx, t).await?;
            items.push(present::list_item(ctx, t, first.as_ref()).await?);
        }
    }
    let mut f = Fields::new();
    f.insert("totalresults".into(), Value::String(total.to_string()));
    f.insert("startnumber".into(), json!(start));
    f.insert("numreturned".into(), json!(items.len()));
    f.insert("tickets".into(), json!({ "ticket": items }));
    Ok(f)
}

/// `GetTicket`.
pub async fn get_ticket(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let newest_first = match p.text("repliessort").map(|s| s.trim().to_ascii_uppercase()) {
        None => false,
        Some(s) if s == "ASC" => false,
        Some(s) if s == "DESC" => true,
        Some(_) => return Err(WhmcsError::bad("Invalid repliessort: expected ASC or DESC")),
    };
    let t = ticket_by_id_or_number(ctx, p).await?;
    let detail = ctx.desk.ticket_detail(&ctx.actor, t.id, newest_first).await.map_err(desk)?;
    present::detail(ctx, &detail.ticket, &detail.messages).await
}

/// `OpenTicket`.
pub async fn open_ticket(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let dept = p.id("deptid")?.ok_or_else(|| WhmcsError::not_found("Department ID not found"))?;
    if ctx.department_name(DepartmentId(dept)).await?.is_none() {
        return Err(WhmcsError::not_found("Department ID not found"));
    }
    let subject = p.text("subject").ok_or_else(|| WhmcsError::bad("Subject is required"))?.to_string();
    let message = required_message(p)?;
    let priority = priority(p)?;
    // `admin`: the opening message is the credential's own (WHMCS's
    // admin-opened ticket); otherwise a client's ticket starts with the
    // client's (or the contact's) message.
    let by_operator = p.flag("admin")?;
    // Accepted and checked; see docs/compat/whmcs.md for what they change.
    for flag in ["markdown", "preventClientClosure"] {
        p.flag(flag)?;
    }
    // `noemail`: the client is sent no acknowledgement (agents are still told).
    let no_email = p.flag("noemail")?;
    check_created(ctx, p)?;
    let mut input = OpenTicket::new(&subject, DepartmentId(dept), &message);
    input.no_email = no_email;
    input.priority = priority;
    match (p.id("clientid")?, p.id("userid")?, p.id("contactid")?) {
        (Some(client), user, contact) => {
            // The ticket is the client's; a contact (a member of the
            // client's organization) may be who opened it.
            let owner = customer(ctx, client, "Client ID Not Found").await?;
            let writer = match contact.or(user) {
                Some(c) if c != client => contact_of(ctx, &owner, c).await?,
                _ => owner.id,
            };
            input.requester_id = Some(owner.id);
            if !by_operator {
                input.author_id = Some(writer);
            }
        }
        (None, Some(_), _) | (None, None, Some(_)) => return Err(WhmcsError::not_found("Client ID Not Found")),
        (None, None, None) => {
            let (Some(name), Some(email)) = (p.text("name"), p.text("email")) else {
                return Err(WhmcsError::bad("Name and email address are required if not a client"));
            };
            let email = Email::parse(email.trim()).map_err(|_| WhmcsError::bad("Email Address Invalid"))?;
            input.requester = Some(RequesterInput { email, name: Some(name.trim().to_string()) });
        }
    }
    match (p.id("serviceid")?, p.id("domainid")?) {
        (Some(_), Some(_)) => return Err(WhmcsError::bad("Provide either serviceid or domainid, not both")),
        (Some(s), None) => input.service_id = Some(linked_service(ctx, s, false).await?),
        (None, Some(d)) => input.service_id = Some(linked_service(ctx, d, true).await?),
        (None, None) => {}
    }
    input.custom_fields = custom_fields(ctx, p).await?;
    let files = p.attachments()?;
    input.attachment_ids = upload(ctx, files).await?;
    let origin = ctx.origin();
    let made = match ctx.desk.open_ticket(&ctx.actor, input, &origin).await {
        Ok(made) => made,
        Err(DeskError::NotFound { what: "department" }) => {
            return Err(WhmcsError::not_found("Department ID not found"));
        }
        Err(e) if e.field().is_some_and(|f| f.starts_with("custom_fields.")) => return Err(refusal(ctx, e).await),
        Err(other) => return Err(WhmcsError::from_desk(other, "Client ID Not Found")),
    };
    let mut f = Fields::new();
    f.insert("id".into(), id_text(made.ticket.id.0));
    f.insert("tid".into(), Value::String(made.ticket.number.clone()));
    f.insert("c".into(), Value::String(made.ticket.access_key));
    Ok(f)
}

/// A service (`domain` false) or domain (`true`) to link.
async fn linked_service(ctx: &mut Ctx, id: i64, domain: bool) -> Result<ServiceId, WhmcsError> {
    let missing = if domain { "Domain ID Not Found" } else { "Service ID Not Found" };
    match ctx.service(ServiceId(id)).await? {
        Some(s) if (s.kind == ServiceKind::Domain) == domain => Ok(s.id),
        _ => Err(WhmcsError::not_found(missing)),
    }
}

/// `AddTicketReply`.
pub async fn add_reply(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let t = ticket_by_id(ctx, p).await?;
    let message = required_message(p)?;
    // `clientid` / `contactid`: the reply is that client's (or contact's);
    // the desk checks that they belong to the ticket.
    let author = match (p.id("clientid")?, p.id("contactid")?) {
        (Some(c), Some(k)) if k != c => {
            let client = customer(ctx, c, "Client ID Not Found").await?;
            Some((contact_of(ctx, &client, k).await?, "Contact ID Not Found"))
        }
        (Some(c), _) => Some((customer(ctx, c, "Client ID Not Found").await?.id, "Client ID Not Found")),
        (None, Some(k)) => Some((customer(ctx, k, "Contact ID Not Found").await?.id, "Contact ID Not Found")),
        (None, None) => None,
    };
    if let Some(e) = p.text("email") {
        Email::parse(e.trim()).map_err(|_| WhmcsError::bad("Email Address Invalid"))?;
    }
    p.flag("markdown")?;
    // `noemail`: the client is sent no copy of the reply.
    let no_email = p.flag("noemail")?;
    check_created(ctx, p)?;
    let status = match p.text("status") {
        Some(s) => Some(statuses::key_for(s, Some(&t), &catalogue(ctx).await?)?),
        None => None,
    };
    let fields = custom_fields(ctx, p).await?;
    let files = p.attachments()?;
    let attachment_ids = upload(ctx, files).await?;
    let author_id = author.map(|(id, _)| id);
    // The reply, its status and the fields are one change (one version, one
    // batch of events), refused whole if any part is.
    let input = PostMessage {
        body: message,
        attachment_ids,
        status,
        author_id,
        custom_fields: fields,
        no_email,
        ..PostMessage::default()
    };
    let origin = ctx.origin();
    match ctx.desk.reply(&ctx.actor, t.id, input, &origin).await {
        Ok(_) => Ok(Fields::new()),
        // Someone who is neither the ticket's client nor one of its contacts.
        Err(e) if e.field() == Some("author_id") && author.is_some() => {
            Err(WhmcsError::not_found(author.map_or("Client ID Not Found", |(_, missing)| missing)))
        }
        Err(e) => Err(refusal(ctx, e).await),
    }
}

/// `AddTicketNote`.
pub async fn add_note(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let t = ticket_by_id_or_number(ctx, p).await?;
    let message = required_message(p)?;
    p.flag("markdown")?;
    check_created(ctx, p)?;
    let attachment_ids = upload(ctx, p.attachments()?).await?;
    let input = PostMessage { body: message, attachment_ids, ..PostMessage::default() };
    let origin = ctx.origin();
    ctx.desk.note(&ctx.actor, t.id, input, &origin).await.map_err(desk)?;
    Ok(Fields::new())
}

/// `UpdateTicket`.
pub async fn update_ticket(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let t = ticket_by_id(ctx, p).await?;
    for unsupported in ["userid", "name", "email", "created"] {
        if p.text(unsupported).is_some() {
            return Err(WhmcsError::bad(format!("Changing {unsupported} of a ticket is not supported by this server")));
        }
    }
    for flag in ["markdown", "preventClientClosure"] {
        p.flag(flag)?;
    }
    let mut patch = TicketPatch::default();
    if let Some(d) = p.id("deptid")? {
        if ctx.department_name(DepartmentId(d)).await?.is_none() {
            return Err(WhmcsError::not_found("Department ID Not Found"));
        }
        patch.department_id = Some(DepartmentId(d));
    }
    if let Some(s) = p.text("status") {
        patch.status = Some(statuses::key_for(s, Some(&t), &catalogue(ctx).await?)?);
    }
    if let Some(s) = p.text("subject") {
        patch.subject = Some(s.to_string());
    }
    patch.priority = priority(p)?;
    if let Some(cc) = p.raw("cc") {
        let emails = cc
            .split([',', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|e| Email::parse(e).map_err(|_| WhmcsError::bad(format!("Email Address Invalid: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        patch.cc = Some(Cc { emails, agent_ids: t.cc.agent_ids.clone() });
    }
    if let Some(agent) = p.id("flag")? {
        patch.flagged_id = Some(Some(UserId(agent)));
    }
    if p.flag("removeFlag")? {
        patch.flagged_id = Some(None);
    }
    let fields = custom_fields(ctx, p).await?;
    if !fields.is_empty() {
        patch.custom_fields = Some(fields);
    }
    // The fields and the opening message's new text are one change.
    let edit = match p.text("message") {
        Some(body) => {
            let first = first_message(ctx, &t).await?.ok_or_else(|| WhmcsError::not_found("Reply ID Not Found"))?;
            Some((first.id, EditMessage { body: body.to_string(), html: None }))
        }
        None => None,
    };
    match ctx.desk.update_ticket_editing(&ctx.actor, t.id, patch, None, edit).await {
        Ok(_) => {}
        Err(DeskError::NotFound { what: "department" }) => {
            return Err(WhmcsError::not_found("Department ID Not Found"));
        }
        Err(e) => return Err(refusal(ctx, e).await),
    }
    let mut f = Fields::new();
    f.insert("ticketid".into(), id_text(t.id.0));
    Ok(f)
}

/// A message the caller may see, of the given kind, or `missing`.
async fn message_of_kind(ctx: &Ctx, id: i64, kind: MessageKind, missing: &str) -> Result<Message, WhmcsError> {
    match ctx.desk.message(&ctx.actor, MessageId(id)).await {
        Ok(m) if m.kind == kind && m.deleted_at.is_none() => Ok(m),
        Ok(_) | Err(DeskError::NotFound { .. } | DeskError::Forbidden { .. }) => Err(WhmcsError::not_found(missing)),
        Err(e) => Err(WhmcsError::from_desk(e, missing)),
    }
}

/// `UpdateTicketReply`.
pub async fn update_reply(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let id = p.id("replyid")?.ok_or_else(|| WhmcsError::bad("Reply ID Required"))?;
    let body = p.text("message").ok_or_else(|| WhmcsError::bad("Message is Required"))?.to_string();
    p.flag("markdown")?;
    check_created(ctx, p)?;
    let m = message_of_kind(ctx, id, MessageKind::Reply, "Reply ID Not Found").await?;
    ctx.desk
        .edit_message(&ctx.actor, m.id, EditMessage { body, html: None })
        .await
        .map_err(|e| WhmcsError::from_desk(e, "Reply ID Not Found"))?;
    let mut f = Fields::new();
    f.insert("replyid".into(), id_text(m.id.0));
    Ok(f)
}

/// `DeleteTicket`.
pub async fn delete_ticket(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let t = ticket_by_id(ctx, p).await?;
    ctx.desk.delete_ticket(&ctx.actor, t.id).await.map_err(desk)?;
    Ok(Fields::new())
}

/// `DeleteTicketReply` (the opening message, `replyid` 0, cannot be deleted).
pub async fn delete_reply(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let tid = p.id("ticketid")?.ok_or_else(|| WhmcsError::bad("Ticket ID Required"))?;
    let rid = p.id("replyid")?.ok_or_else(|| WhmcsError::bad("Reply ID Required"))?;
    let t = ctx.desk.ticket(&ctx.actor, TicketId(tid)).await.map_err(desk)?;
    let m = message_of_kind(ctx, rid, MessageKind::Reply, "Reply ID Not Found").await?;
    let first = first_message(ctx, &t).await?;
    if m.ticket_id != t.id || first.is_some_and(|f| f.id == m.id) {
        return Err(WhmcsError::not_found("Reply ID Not Found"));
    }
    ctx.desk.delete_message(&ctx.actor, m.id).await.map_err(|e| WhmcsError::from_desk(e, "Reply ID Not Found"))?;
    Ok(Fields::new())
}

/// `DeleteTicketNote`.
pub async fn delete_note(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let id = p.id("noteid")?.ok_or_else(|| WhmcsError::bad("Note ID Required"))?;
    let m = message_of_kind(ctx, id, MessageKind::Note, "Note ID Not Found").await?;
    ctx.desk.delete_message(&ctx.actor, m.id).await.map_err(|e| WhmcsError::from_desk(e, "Note ID Not Found"))?;
    Ok(Fields::new())
}

/// `GetTicketNotes`.
pub async fn get_notes(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let t = ticket_by_id(ctx, p).await?;
    let messages = ctx.desk.messages(&ctx.actor, t.id, false).await.map_err(desk)?;
    let mut notes = Vec::new();
    for m in messages.iter().filter(|m| m.kind == MessageKind::Note && m.deleted_at.is_none()) {
        notes.push(present::note_item(ctx, m, "id").await?);
    }
    let mut f = Fields::new();
    f.insert("totalresults".into(), Value::String(notes.len().to_string()));
    f.insert("notes".into(), json!({ "note": notes }));
    Ok(f)
}

/// `GetTicketAttachment`.
pub async fn get_attachment(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let related = p.id("relatedid")?.ok_or_else(|| WhmcsError::bad("Related ID Required"))?;
    let kind = p.text("type").map(|s| s.trim().to_ascii_lowercase()).unwrap_or_default();
    let index = p.text("index").ok_or_else(|| WhmcsError::bad("Attachment Index Required"))?;
    let index: usize = index.trim().parse().map_err(|_| WhmcsError::bad("Invalid Attachment Index"))?;
    let message = match kind.as_str() {
        "ticket" => {
            let t = ctx
                .desk
                .ticket(&ctx.actor, TicketId(related))
                .await
                .map_err(|e| WhmcsError::from_desk(e, "Related ID Not Found"))?;
            first_message(ctx, &t).await?.ok_or_else(|| WhmcsError::not_found("Related ID Not Found"))?
        }
        "reply" => message_of_kind(ctx, related, MessageKind::Reply, "Related ID Not Found").await?,
        "note" => message_of_kind(ctx, related, MessageKind::Note, "Related ID Not Found").await?,
        _ => return Err(WhmcsError::bad("Invalid Type. Must be one of ticket, reply, note")),
    };
    if message.attachment_ids.is_empty() {
        return Err(WhmcsError::not_found("No Attachments Found"));
    }
    let id =
        message.attachment_ids.get(index).copied().ok_or_else(|| WhmcsError::not_found("Invalid Attachment Index"))?;
    let (rec, bytes) =
        ctx.desk.download(&ctx.actor, id).await.map_err(|e| WhmcsError::from_desk(e, "Attachments Deleted"))?;
    let mut f = Fields::new();
    f.insert("filename".into(), Value::String(rec.filename));
    f.insert("data".into(), Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)));
    Ok(f)
}

/// `MergeTicket`.
pub async fn merge(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let target = p.id("ticketid")?.ok_or_else(|| WhmcsError::bad("Ticket ID Required"))?;
    let target = ctx
        .desk
        .ticket(&ctx.actor, TicketId(target))
        .await
        .map_err(|e| WhmcsError::from_desk(e, "Ticket ID Invalid"))?;
    let list = p.text("mergeticketids").ok_or_else(|| WhmcsError::bad("Merge Ticket IDs Required"))?;
    let mut sources = Vec::new();
    let mut invalid = Vec::new();
    for part in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match part.parse::<i64>() {
            Ok(n) if n > 0 && n != target.id.0 => match ctx.desk.ticket(&ctx.actor, TicketId(n)).await {
                Ok(t) => sources.push(t.id),
                Err(DeskError::NotFound { .. } | DeskError::Forbidden { .. }) => invalid.push(part.to_string()),
                Err(e) => return Err(desk(e)),
            },
            _ => invalid.push(part.to_string()),
        }
    }
    if !invalid.is_empty() {
        return Err(WhmcsError::bad(format!("Invalid Merge Ticket IDs: {}", invalid.join(", "))));
    }
    if sources.is_empty() {
        return Err(WhmcsError::bad("Merge Ticket IDs Required"));
    }
    // The merge and the new subject are one change (the desk checks the subject).
    let subject = p.text("newsubject");
    ctx.desk.merge_renaming(&ctx.actor, target.id, &sources, subject).await.map_err(|e| match e.field() {
        Some("subject") => WhmcsError::bad(e.to_string()),
        _ => desk(e),
    })?;
    let mut f = Fields::new();
    f.insert("ticketid".into(), id_text(target.id.0));
    Ok(f)
}

/// `BlockTicketSender`: the ticket's requester must be unregistered (a
/// customer without a password); their account is disabled, so their mail
/// and sign-ins are refused; `delete` also deletes the ticket.
pub async fn block_sender(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let t = ticket_by_id(ctx, p).await?;
    let delete = p.flag("delete")?;
    ctx.desk.block_sender(&ctx.actor, t.id, delete).await.map_err(|e| match e.field() {
        Some("requester") => WhmcsError::bad("A Client cannot be blocked: the sender is a registered user"),
        _ => WhmcsError::from_desk(e, "Requestor Not Found"),
    })?;
    let mut f = Fields::new();
    f.insert("deleted".into(), Value::String(delete.to_string()));
    Ok(f)
}
