//! Tickets: list, open, show, change, delete, merge, status shortcuts,
//! replies, notes, events, read marks and secret reveals.

use super::dto::*;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, Id, IfMatch};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tessera_core::ids::*;
use tessera_core::status::{StatusCategory, StatusKey};
use tessera_core::ticket::{Priority, Source, TicketType};
use tessera_desk::{DEFAULT_PAGE, MergeInput, OpenTicket, Origin, PostMessage, TicketListQuery, TicketPatch};
use tessera_store::{SortField, TicketFilter, TicketSort};
use utoipa::IntoParams;

/// Filters, order and paging of the ticket list. Lists are comma-separated.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Status keys, e.g. `open,answered`.
    status: Option<String>,
    /// Status categories: `new,open,pending,hold,solved,closed`.
    status_category: Option<String>,
    /// Department ids.
    department_id: Option<String>,
    /// An agent id, or `none` for unassigned tickets.
    assignee_id: Option<String>,
    /// A requester id.
    requester_id: Option<String>,
    /// An organization id.
    organization_id: Option<String>,
    /// Priorities: `low,normal,high,urgent`.
    priority: Option<String>,
    /// Types: `question,incident,problem,task`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    ticket_type: Option<String>,
    /// Tags; a ticket must have all of them.
    tag: Option<String>,
    /// `true` or `false` (customers see unarchived tickets unless they ask).
    archived: Option<String>,
    /// A ticket number.
    number: Option<String>,
    /// Words the ticket's text contains (subject, requester, messages you
    /// may see; each word also finds longer words it starts, as in
    /// `/search`), or a ticket number. For more, use `/search`.
    q: Option<String>,
    /// RFC 3339 time: created at or after.
    created_after: Option<String>,
    /// RFC 3339 time: created before.
    created_before: Option<String>,
    /// RFC 3339 time: updated at or after.
    updated_after: Option<String>,
    /// RFC 3339 time: updated before.
    updated_before: Option<String>,
    /// `true`: only tickets with a breached SLA target; `false`: none
    /// breached (agents; ignored for customers).
    sla_breached: Option<String>,
    /// Whole hours: only tickets whose running SLA targets fall due within
    /// them, overdue ones included (agents; ignored for customers).
    sla_due_within: Option<String>,
    /// `updated_at` (default, newest first), `created_at`, `priority`, `id`,
    /// `wait` (waiting for an agent the longest first; tickets not waiting
    /// last), `queue` (boosted first, then the highest priority, then the
    /// longest wait; direction ignored) or `sla_due` (the next SLA target
    /// first; agents); prefix `-` for descending, `+` or nothing for
    /// ascending (`-updated_at` is the default).
    sort: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 25).
    limit: Option<String>,
}

fn bad(field: &str, msg: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_query", msg).with_field(field)
}

fn list_of<T>(field: &str, raw: &Option<String>, parse: impl Fn(&str) -> Option<T>) -> ApiResult<Vec<T>> {
    let Some(raw) = raw else { return Ok(vec![]) };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| parse(s).ok_or_else(|| bad(field, format!("{s:?} is not a valid {field}"))))
        .collect()
}

/// One value; an empty one (`?assignee_id=`, as a form sends an empty
/// field) is as if it were not sent, as it is for the lists.
fn one<T>(field: &str, raw: &Option<String>, parse: impl Fn(&str) -> Option<T>) -> ApiResult<Option<T>> {
    raw.as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse(s.trim()).ok_or_else(|| bad(field, format!("{s:?} is not a valid {field}"))))
        .transpose()
}

fn time(field: &str, raw: &Option<String>) -> ApiResult<Option<DateTime<Utc>>> {
    one(field, raw, |s| DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc)))
}

fn id(s: &str) -> Option<i64> {
    s.parse().ok().filter(|n: &i64| *n > 0)
}

impl ListParams {
    fn into_query(self, now: chrono::DateTime<chrono::Utc>) -> ApiResult<TicketListQuery> {
        let filter = TicketFilter {
            number: self.number.clone().filter(|n| !n.trim().is_empty()),
            statuses: list_of("status", &self.status, |s| Some(StatusKey::new(s)))?,
            categories: list_of("status_category", &self.status_category, StatusCategory::parse)?,
            department_ids: list_of("department_id", &self.department_id, |s| id(s).map(DepartmentId))?,
            assignee: one("assignee_id", &self.assignee_id, |s| {
                if s == "none" { Some(None) } else { id(s).map(|n| Some(UserId(n))) }
            })?,
            requester_id: one("requester_id", &self.requester_id, |s| id(s).map(UserId))?,
            organization_id: one("organization_id", &self.organization_id, |s| id(s).map(OrganizationId))?,
            priorities: list_of("priority", &self.priority, Priority::parse)?,
            types: list_of("type", &self.ticket_type, TicketType::parse)?,
            tags: list_of("tag", &self.tag, |s| Some(s.to_lowercase()))?,
            archived: one("archived", &self.archived, |s| s.parse::<bool>().ok())?,
            created_after: time("created_after", &self.created_after)?,
            created_before: time("created_before", &self.created_before)?,
            updated_after: time("updated_after", &self.updated_after)?,
            updated_before: time("updated_before", &self.updated_before)?,
            text: self.q.clone().filter(|q| !q.trim().is_empty()),
            text_in_notes: false,
            sla_breached: one("sla_breached", &self.sla_breached, |s| s.parse::<bool>().ok())?,
            sla_due_before: one("sla_due_within", &self.sla_due_within, |s| {
                s.parse::<i64>().ok().filter(|h| (1..=24 * 366).contains(h)).map(|h| now + chrono::Duration::hours(h))
            })?,
            view: None,
        };
        let sort = match self.sort.as_deref().map(str::trim) {
            None | Some("") => TicketSort::default(),
            Some(s) => {
                let (descending, name) = match s.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, s.strip_prefix('+').unwrap_or(s)),
                };
                let field = match name {
                    "updated_at" => SortField::UpdatedAt,
                    "created_at" => SortField::CreatedAt,
                    "priority" => SortField::Priority,
                    "id" => SortField::Id,
                    "wait" => SortField::Wait,
                    "queue" => SortField::Queue,
                    "sla_due" => SortField::SlaDue,
                    _ => {
                        return Err(bad(
                            "sort",
                            "sort by updated_at, created_at, priority, id, wait, queue or sla_due",
                        ));
                    }
                };
                TicketSort { field, descending, boosted_first: false }
            }
        };
        // Keyset orders page with a cursor holding the last row's key; the
        // others (wait, queue) with one holding the offset of the next page.
        let (after, offset) = if sort.field.keyset() {
            (one("cursor", &self.cursor, |c| decode_cursor(c, &sort))?, 0)
        } else {
            (None, one("cursor", &self.cursor, |c| decode_offset_cursor(c, &sort))?.unwrap_or(0))
        };
        let limit = one("limit", &self.limit, |s| s.parse::<u32>().ok().filter(|n| (1..=100).contains(n)))?;
        Ok(TicketListQuery { filter, sort, after, offset, limit })
    }
}

/// `?order=` of a ticket's conversation.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrderParams {
    /// `asc` (oldest first, default) or `desc`.
    #[param(pattern = "^(asc|desc)?$")]
    order: Option<String>,
}

impl OrderParams {
    fn newest_first(&self) -> ApiResult<bool> {
        match self.order.as_deref() {
            None | Some("" | "asc") => Ok(false),
            Some("desc") => Ok(true),
            Some(_) => Err(bad("order", "order is asc or desc")),
        }
    }
}

/// The origin of a request made through the API.
pub fn api_origin(ip: Option<String>) -> Origin {
    Origin { channel: Source::Api, ip, mail: None }
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// A ticket answer with its `ETag`.
fn ticket_response(status: StatusCode, out: TicketOut) -> Response {
    let tag = etag(out.ticket.version);
    let mut resp = (status, Json(out)).into_response();
    resp.headers_mut().insert(header::ETAG, tag);
    resp
}

/// Lists the tickets the caller may see.
#[utoipa::path(get, path = "/tickets", tag = "tickets", params(ListParams),
    responses((status = 200, body = TicketList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_tickets(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Json<TicketList>> {
    let query = p.into_query(s.desk.now())?;
    let (sort, offset) = (query.sort, query.offset);
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    let page = s.desk.list_tickets(&a, query).await?;
    let next_cursor = match &page.next {
        Some(c) => Some(encode_cursor(c, &sort)),
        None if !sort.field.keyset() && u64::from(offset) + u64::from(limit) < page.total => {
            Some(encode_offset_cursor(offset + limit, &sort))
        }
        None => None,
    };
    Ok(Json(TicketList { tickets: TicketOut::list(&s.desk, &a, page.tickets).await?, next_cursor, total: page.total }))
}

/// Opens a ticket. Customers open their own; agents open for a requester
/// (`requester_id`, or `requester` by e-mail). Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/tickets", tag = "tickets", request_body = OpenTicket,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, description = "Repeat-safe creation: 1 to 255 visible ASCII characters", pattern = "^[!-~]{1,255}$")),
    responses((status = 201, body = TicketOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_ticket(
    State(s): State<AppState>,
    Auth(a): Auth,
    ip: crate::middleware::ClientIp,
    ApiJson(input): ApiJson<OpenTicket>,
) -> ApiResult<Response> {
    let d = s.desk.open_ticket(&a, input, &api_origin(ip.0)).await?;
    let id = d.ticket.id;
    let mut resp = ticket_response(StatusCode::CREATED, TicketOut::with_messages(d.ticket, d.messages, s.desk.now()));
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/tickets/{id}")) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

/// One ticket with its conversation (`ETag` carries its version).
#[utoipa::path(get, path = "/tickets/{id}", tag = "tickets", params(("id" = i64, Path), OrderParams),
    responses((status = 200, body = TicketOut), (status = 404, body = ErrorBody)))]
pub async fn get_ticket(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiQuery(o): ApiQuery<OrderParams>,
) -> ApiResult<Response> {
    let d = s.desk.ticket_detail(&a, TicketId(id), o.newest_first()?).await?;
    let sla = s.desk.sla_of(&a, &[&d.ticket]).await?.pop().flatten();
    Ok(ticket_response(StatusCode::OK, TicketOut::with_messages(d.ticket, d.messages, s.desk.now()).with_sla(sla)))
}

/// Changes a ticket. Send `If-Match: "<version>"` (or `version`) to change it
/// only if nobody else did meanwhile (412 otherwise).
#[utoipa::path(patch, path = "/tickets/{id}", tag = "tickets", request_body = TicketPatch,
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, nullable = false, description = "The version you saw: `\"3\"`, `3` or `W/\"3\"`", pattern = r#"^(W/)?("[0-9]{1,18}"|[0-9]{1,18})$"#)),
    responses((status = 200, body = TicketOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_ticket(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<TicketPatch>,
) -> ApiResult<Response> {
    let t = s.desk.update_ticket(&a, TicketId(id), patch, version).await?;
    Ok(ticket_response(StatusCode::OK, TicketOut::new(t, s.desk.now())))
}

/// Deletes a ticket (agents).
#[utoipa::path(delete, path = "/tickets/{id}", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_ticket(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.desk.delete_ticket(&a, TicketId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn post_message(
    s: AppState,
    a: tessera_core::Actor,
    id: i64,
    ip: Option<String>,
    input: PostMessage,
    note: bool,
) -> ApiResult<(StatusCode, Json<PostedOut>)> {
    let origin = api_origin(ip);
    let p = if note {
        s.desk.note(&a, TicketId(id), input, &origin).await?
    } else {
        s.desk.reply(&a, TicketId(id), input, &origin).await?
    };
    let now = s.desk.now();
    Ok((
        StatusCode::CREATED,
        Json(PostedOut { ticket: TicketOut::new(p.ticket, now), message: p.message, follow_up: p.follow_up }),
    ))
}

/// Adds a public reply. A customer reply opens the ticket; an agent reply
/// answers it (or sets `status`); a reply to a closed ticket opens a linked
/// follow-up ticket; a locked ticket refuses customers (409).
#[utoipa::path(post, path = "/tickets/{id}/replies", tag = "messages", request_body = PostMessage, params(("id" = i64, Path)),
    responses((status = 201, body = PostedOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_reply(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ip: crate::middleware::ClientIp,
    ApiJson(input): ApiJson<PostMessage>,
) -> ApiResult<(StatusCode, Json<PostedOut>)> {
    post_message(s, a, id, ip.0, input, false).await
}

/// Adds an internal note (agents); it changes the status only when `status` is given.
#[utoipa::path(post, path = "/tickets/{id}/notes", tag = "messages", request_body = PostMessage, params(("id" = i64, Path)),
    responses((status = 201, body = PostedOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_note(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ip: crate::middleware::ClientIp,
    ApiJson(input): ApiJson<PostMessage>,
) -> ApiResult<(StatusCode, Json<PostedOut>)> {
    post_message(s, a, id, ip.0, input, true).await
}

/// A ticket's messages (customers never see notes).
#[utoipa::path(get, path = "/tickets/{id}/messages", tag = "messages", params(("id" = i64, Path), OrderParams),
    responses((status = 200, body = MessageList), (status = 404, body = ErrorBody)))]
pub async fn list_messages(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiQuery(o): ApiQuery<OrderParams>,
) -> ApiResult<Json<MessageList>> {
    Ok(Json(MessageList { messages: s.desk.messages(&a, TicketId(id), o.newest_first()?).await? }))
}

/// A ticket's event timeline (agents).
#[utoipa::path(get, path = "/tickets/{id}/events", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = EventList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_events(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<EventList>> {
    Ok(Json(EventList { events: s.desk.events(&a, TicketId(id)).await? }))
}

/// Merges other tickets into this one (agents): their messages move here and
/// they are closed, linked to this ticket.
#[utoipa::path(post, path = "/tickets/{id}/merge", tag = "tickets", request_body = MergeInput, params(("id" = i64, Path)),
    responses((status = 200, body = TicketOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn merge_tickets(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<MergeInput>,
) -> ApiResult<Response> {
    let t = s.desk.merge(&a, TicketId(id), &input.source_ids).await?;
    Ok(ticket_response(StatusCode::OK, TicketOut::new(t, s.desk.now())))
}

/// Marks the ticket solved (a reply reopens it).
#[utoipa::path(post, path = "/tickets/{id}/solve", tag = "tickets", params(("id" = i64, Path), ("If-Match" = Option<String>, Header, nullable = false, description = "The version you saw: `\"3\"`, `3` or `W/\"3\"`", pattern = r#"^(W/)?("[0-9]{1,18}"|[0-9]{1,18})$"#)),
    responses((status = 200, body = TicketOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub async fn solve_ticket(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    IfMatch(v): IfMatch,
) -> ApiResult<Response> {
    let t = s.desk.solve(&a, TicketId(id), v).await?;
    Ok(ticket_response(StatusCode::OK, TicketOut::new(t, s.desk.now())))
}

/// Closes the ticket; closed is final (a reply opens a follow-up).
#[utoipa::path(post, path = "/tickets/{id}/close", tag = "tickets", params(("id" = i64, Path), ("If-Match" = Option<String>, Header, nullable = false, description = "The version you saw: `\"3\"`, `3` or `W/\"3\"`", pattern = r#"^(W/)?("[0-9]{1,18}"|[0-9]{1,18})$"#)),
    responses((status = 200, body = TicketOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub async fn close_ticket(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    IfMatch(v): IfMatch,
) -> ApiResult<Response> {
    let t = s.desk.close(&a, TicketId(id), v).await?;
    Ok(ticket_response(StatusCode::OK, TicketOut::new(t, s.desk.now())))
}

/// Reopens a solved ticket.
#[utoipa::path(post, path = "/tickets/{id}/reopen", tag = "tickets", params(("id" = i64, Path), ("If-Match" = Option<String>, Header, nullable = false, description = "The version you saw: `\"3\"`, `3` or `W/\"3\"`", pattern = r#"^(W/)?("[0-9]{1,18}"|[0-9]{1,18})$"#)),
    responses((status = 200, body = TicketOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub async fn reopen_ticket(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    IfMatch(v): IfMatch,
) -> ApiResult<Response> {
    let t = s.desk.reopen(&a, TicketId(id), v).await?;
    Ok(ticket_response(StatusCode::OK, TicketOut::new(t, s.desk.now())))
}

/// Marks the ticket read by the caller (clears their side's unread mark).
#[utoipa::path(post, path = "/tickets/{id}/read", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = ReadOut), (status = 404, body = ErrorBody)))]
pub async fn mark_read(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<ReadOut>> {
    Ok(Json(ReadOut { read_at: s.desk.mark_read(&a, TicketId(id)).await? }))
}

/// Shows a secret custom field's value to an agent of the ticket's
/// department; the look is recorded as a `secret.revealed` event.
#[utoipa::path(post, path = "/tickets/{id}/secrets/{key}/reveal", tag = "tickets", params(("id" = i64, Path), ("key" = String, Path)),
    responses((status = 200, body = SecretOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reveal_secret(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((id, key)): Path<(String, String)>,
) -> ApiResult<Json<SecretOut>> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found("ticket"))?;
    let value = s.desk.reveal_secret(&a, TicketId(id), &key).await?;
    Ok(Json(SecretOut { key, value }))
}

/// The ticket's guest link, to send to its requester: whoever holds it acts
/// as the requester on this ticket (and what they do is recorded as done
/// through the link). Agents who work the ticket; the request is recorded
/// as a `ticket.guest_link_issued` event. Reads never carry the access key
/// but for the requester and admins.
#[utoipa::path(post, path = "/tickets/{id}/guest-link", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = GuestLinkOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn guest_link(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<GuestLinkOut>> {
    let path = s.desk.guest_link(&a, TicketId(id)).await?;
    let url = s.config.public_url.as_deref().map(|base| format!("{}{path}", base.trim_end_matches('/')));
    Ok(Json(GuestLinkOut { path, url }))
}

/// The caller's own draft of a reply or note on a ticket (issue 18): 200
/// with it, 204 when there is none; 404 when the caller may not see the
/// ticket (a draft of a ticket one can no longer see is not shown).
#[utoipa::path(get, path = "/tickets/{id}/draft", tag = "messages", params(("id" = i64, Path)),
    responses((status = 200, body = tessera_desk::DraftView), (status = 204), (status = 404, body = ErrorBody)))]
pub async fn get_draft(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Response> {
    Ok(match s.desk.draft(&a, TicketId(id)).await? {
        Some(d) => Json(d).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Saves the caller's draft on a ticket (one per user and ticket; the
/// last save wins): 200 with it; a blank `body` discards it (204).
/// Customers keep replies only (`kind` `note` is 403); a body over 256 KiB
/// is 422. Sending a reply or note removes the sender's draft.
#[utoipa::path(put, path = "/tickets/{id}/draft", tag = "messages", request_body = tessera_desk::SaveDraft,
    params(("id" = i64, Path)),
    responses((status = 200, body = tessera_desk::DraftView), (status = 204), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_draft(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<tessera_desk::SaveDraft>,
) -> ApiResult<Response> {
    Ok(match s.desk.save_draft(&a, TicketId(id), input).await? {
        Some(d) => Json(d).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Discards the caller's draft on a ticket (204, whether there was one or not).
#[utoipa::path(delete, path = "/tickets/{id}/draft", tag = "messages", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_draft(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.desk.discard_draft(&a, TicketId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
