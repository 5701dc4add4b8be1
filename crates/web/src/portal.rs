//! The customer portal: my tickets, opening a ticket, the ticket page, and
//! the guest link that opens one ticket by its access key.

use crate::WebState;
use crate::forms::{Form, encode};
use crate::page::{FormErrors, Page, WebError, desk_message, html_status, see_other};
use crate::peer::{Peer, origin};
use crate::session::{self, Signed, check_csrf};
use crate::view::fields::{FieldInput, field_inputs, field_values};
use crate::view::messages::{MessageView, human_size, message_views, upload_files};
use crate::view::panels::{self, PanelHtml};
use crate::view::{Lookup, Stamp, TicketRow, done_notice, field_text, priority_label, service_label};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tessera_core::ids::{AttachmentId, DepartmentId, MessageId, ServiceId};
use tessera_core::status::StatusCategory;
use tessera_core::ticket::Priority;
use tessera_core::{Actor, Service, Ticket};
use tessera_desk::{DeskError, OpenTicket, PostMessage, SearchRequest, TicketListQuery, TicketPatch};
use tessera_store::{SearchOrder, TicketFilter, TicketSort};

/// Finds a ticket by its number for an actor (not found when they may not see it).
pub async fn by_number(state: &WebState, actor: &Actor, number: &str) -> Result<Ticket, WebError> {
    Ok(state.desk.ticket_by_number(actor, number).await?)
}

// ---- the list -------------------------------------------------------------------------

/// Filters of the list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// `us`, `you`, `closed`, `archived` (default: all active).
    f: Option<String>,
    /// Text search.
    q: Option<String>,
    /// `org` for the organization's tickets.
    scope: Option<String>,
    /// Page, from 1.
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "portal_list.html")]
struct ListPage {
    page: Page,
    rows: Vec<TicketRow>,
    filter: String,
    q: String,
    org: bool,
    can_org: bool,
    total: u64,
    page_no: u32,
    pages: u32,
    query_base: String,
    panels_list: Vec<PanelHtml>,
    /// What is wrong with the search, next to the box.
    error: Option<String>,
}

/// Tickets per page of the portal.
const PER_PAGE: u32 = 25;

/// My tickets.
pub async fn list(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    if s.user.role.is_staff() && !s.is_guest() {
        return Ok(see_other("/agent"));
    }
    let page = Page::new(&state, &headers, Some(&s), "portal", &format!("/?{}", headers_query(&q)));
    let i = page.i;
    let filter_key = q.f.clone().unwrap_or_default();
    let org = q.scope.as_deref() == Some("org") && s.user.sees_all && s.user.organization_id.is_some();
    let page_no = q.page.unwrap_or(1).clamp(1, 10_000);
    let text = q.q.clone().filter(|t| !t.trim().is_empty());
    let mut error = None;
    let (tickets, total) = match text {
        // A search: the search language of the agent console and the API,
        // over the customer's own tickets (their organization's with the
        // scope switch), narrowed by the tab.
        Some(text) => {
            let request = SearchRequest {
                query: portal_search(&text, &filter_key, &s, org),
                order: SearchOrder::Relevance,
                offset: (page_no - 1) * PER_PAGE,
                limit: Some(PER_PAGE),
            };
            // The customer's words are checked alone first, so a mistake is
            // reported where they made it.
            let checked = tessera_core::search::parse(&text).map_err(|e| tessera_desk::search::parse_error(&text, &e));
            match checked {
                Ok(_) => match state.desk.search(&s.actor, request).await {
                    Ok(r) => (r.results.into_iter().map(|r| r.ticket).collect(), r.total),
                    Err(e @ (DeskError::Search { .. } | DeskError::Domain(_))) => {
                        error = Some(search_message(&i, &e));
                        (Vec::new(), 0)
                    }
                    Err(e) => return Err(e.into()),
                },
                Err(e) => {
                    error = Some(search_message(&i, &e));
                    (Vec::new(), 0)
                }
            }
        }
        None => {
            let mut filter = TicketFilter::default();
            match filter_key.as_str() {
                "us" => filter.categories = vec![StatusCategory::New, StatusCategory::Open],
                "you" => filter.categories = vec![StatusCategory::Pending],
                "closed" => filter.categories = vec![StatusCategory::Solved, StatusCategory::Closed],
                "archived" => filter.archived = Some(true),
                _ => {}
            }
            if !s.is_guest() {
                if org {
                    filter.organization_id = s.user.organization_id;
                } else {
                    filter.requester_id = Some(s.user.id);
                }
            }
            let result = state
                .desk
                .list_tickets(
                    &s.actor,
                    TicketListQuery {
                        filter,
                        sort: TicketSort::default(),
                        after: None,
                        offset: (page_no - 1) * PER_PAGE,
                        limit: Some(PER_PAGE),
                    },
                )
                .await?;
            (result.tickets, result.total)
        }
    };
    let result = (tickets, total);
    let mut l = Lookup::load(&state.desk, &s.actor).await?;
    let ids: Vec<_> = result.0.iter().map(|t| t.requester_id).collect();
    l.users(&state.desk, &ids).await?;
    let now = state.desk.now();
    let rows = result.0.iter().map(|t| TicketRow::of(&i, &l, t, false, now)).collect();
    let panels_list = {
        let shown: Vec<&Ticket> = result.0.iter().collect();
        let ctx = panels::list_context(&s, &filter_key, &shown);
        let ids: Vec<String> = shown.iter().map(|t| format!("{}.{}", t.id, t.version)).collect();
        panels::fetch(&state, "TicketClientAreaViewList", ctx, &format!("{}:{}", s.user.id, ids.join(","))).await
    };
    let pages = u32::try_from(result.1.div_ceil(u64::from(PER_PAGE))).unwrap_or(1).max(1);
    let query_base = format!(
        "f={}&q={}{}",
        encode(&filter_key),
        encode(q.q.as_deref().unwrap_or("")),
        if org { "&scope=org" } else { "" }
    );
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    html_status(
        status,
        &ListPage {
            rows,
            filter: filter_key,
            q: q.q.unwrap_or_default(),
            org,
            can_org: s.user.sees_all && s.user.organization_id.is_some() && !s.is_guest(),
            total: result.1,
            page_no,
            pages,
            query_base,
            panels_list,
            error,
            page,
        },
    )
}

/// The portal's search in the search language: the customer's words, then
/// the tab (`status<pending` for "waiting for us", `status:pending`,
/// `status>=solved`; the archived tab does not narrow a search, which finds
/// archived tickets anyway) and the scope (`requester:me`, or the
/// organization). The desk limits it to what the customer may see in any
/// case; these terms only narrow.
fn portal_search(text: &str, tab: &str, s: &crate::session::SignedIn, org: bool) -> String {
    let mut q = format!("({text})");
    match tab {
        "us" => q.push_str(" status<pending"),
        "you" => q.push_str(" status:pending"),
        "closed" => q.push_str(" status>=solved"),
        _ => {}
    }
    if !s.is_guest() {
        match (org, s.user.organization_id) {
            (true, Some(o)) => q.push_str(&format!(" org:{o}")),
            _ => q.push_str(" requester:me"),
        }
    }
    q
}

/// A search mistake in the customer's words.
fn search_message(i: &crate::i18n::I18n, e: &DeskError) -> String {
    match e {
        DeskError::Search { message, .. } => message.clone(),
        other => desk_message(i, other).1,
    }
}

fn headers_query(q: &ListQuery) -> String {
    format!("f={}&q={}", encode(q.f.as_deref().unwrap_or("")), encode(q.q.as_deref().unwrap_or("")))
}

// ---- opening a ticket ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "portal_new.html")]
struct NewPage {
    page: Page,
    departments: Vec<(i64, String, String)>,
    department: Option<(i64, String, bool)>,
    fields: Vec<FieldInput>,
    services: Vec<(i64, String)>,
    subject: String,
    body: String,
    priority: String,
    service: i64,
    priorities: Vec<(&'static str, String)>,
    errors: FormErrors,
    max_files: usize,
    max_file_size: String,
    panels_create: Vec<PanelHtml>,
}

/// `?department=` of the new-ticket page.
#[derive(Debug, Deserialize)]
pub struct NewQuery {
    department: Option<i64>,
}

async fn render_new(
    state: &WebState,
    headers: &HeaderMap,
    s: &session::SignedIn,
    department: Option<i64>,
    form: Option<&Form>,
    errors: FormErrors,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "portal", "/tickets/new");
    let i = page.i;
    let depts = state.desk.list_departments(&s.actor).await?;
    let departments = depts
        .iter()
        .map(|d| (d.department.id.0, d.department.name.clone(), d.department.description.clone()))
        .collect();
    let chosen = department.and_then(|id| depts.iter().find(|d| d.department.id.0 == id));
    let defs = state.desk.custom_fields(&s.actor).await?;
    let raw = form.map(|f| f.prefixed("cf.")).unwrap_or_default();
    let fields = chosen.map(|d| field_inputs(&i, &defs, d.department.id, false, &raw, &errors)).unwrap_or_default();
    let services: Vec<Service> = state.desk.list_services(&s.actor, None).await?;
    let status = errors.status();
    let limits = state.desk.limits();
    let chosen_id = chosen.map(|d| d.department.id.0);
    let panels_create = panels::fetch(
        state,
        "TicketClientAreaViewCreate",
        serde_json::json!({"department_id": chosen_id, "viewer": panels::viewer(s)}),
        &format!("{}:{}", s.user.id, chosen_id.unwrap_or(0)),
    )
    .await;
    html_status(
        status,
        &NewPage {
            departments,
            department: chosen.map(|d| (d.department.id.0, d.department.name.clone(), d.department.requires_service)),
            fields,
            services: services.iter().map(|s| (s.id.0, service_label(s))).collect(),
            subject: form.and_then(|f| f.get("subject")).unwrap_or_default().to_string(),
            body: form.and_then(|f| f.get("body")).unwrap_or_default().to_string(),
            priority: form.and_then(|f| f.get("priority")).unwrap_or("normal").to_string(),
            service: form.and_then(|f| f.id("service_id")).unwrap_or(0),
            priorities: Priority::ALL.iter().map(|p| (p.as_str(), priority_label(&i, *p))).collect(),
            errors,
            max_files: limits.max_attachments_per_message,
            max_file_size: human_size(i64::try_from(limits.max_attachment_bytes).unwrap_or(i64::MAX)),
            panels_create,
            page,
        },
    )
}

/// The new-ticket page: the department first, then its form.
pub async fn new_page(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<NewQuery>,
) -> Result<Response, WebError> {
    if s.is_guest() {
        return Err(WebError::Forbidden);
    }
    render_new(&state, &headers, &s, q.department, None, FormErrors::default()).await
}

/// Opens a ticket.
pub async fn create(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    peer: Peer,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    if s.is_guest() {
        return Err(WebError::Forbidden);
    }
    let i = session::i18n_for(&headers, Some(&s));
    let dept = form.id("department_id");
    let mut errors = FormErrors::default();
    let defs = state.desk.custom_fields(&s.actor).await?;
    let custom_fields = field_values(&i, &defs, &form.prefixed("cf."), &mut errors);
    let priority = form.get("priority").and_then(Priority::parse);
    let attachment_ids =
        if errors.any() { vec![] } else { upload_files(&state, &s.actor, &i, &form.files, &mut errors).await };
    if !errors.any() {
        let mut input = OpenTicket::new(
            form.get("subject").unwrap_or_default(),
            DepartmentId(dept.unwrap_or(0)),
            form.get("body").unwrap_or_default(),
        );
        input.priority = priority;
        input.service_id = form.id("service_id").map(ServiceId);
        input.custom_fields = custom_fields;
        input.attachment_ids = attachment_ids;
        match state.desk.open_ticket(&s.actor, input, &origin(&peer)).await {
            Ok(d) => return Ok(see_other(&format!("/tickets/{}", d.ticket.number))),
            Err(e) => errors = FormErrors::from_desk(&i, &e),
        }
    }
    render_new(&state, &headers, &s, dept, Some(&form), errors).await
}

// ---- the ticket page ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "portal_ticket.html")]
struct TicketPage {
    page: Page,
    t: TicketSummary,
    messages: Vec<MessageView>,
    fields: Vec<(String, String)>,
    can_rate: bool,
    errors: FormErrors,
    body: String,
    notice: Option<String>,
    max_files: usize,
    panels_top: Vec<PanelHtml>,
    panels_detail: Vec<PanelHtml>,
}

/// What the ticket page's header shows.
#[derive(Debug, Clone)]
pub struct TicketSummary {
    /// Number.
    pub number: String,
    /// Subject.
    pub subject: String,
    /// Status label.
    pub status: String,
    /// Status category.
    pub category: &'static str,
    /// Priority label.
    pub priority: String,
    /// Department.
    pub department: String,
    /// Opened.
    pub created: Stamp,
    /// Last change.
    pub updated: Stamp,
    /// Locked.
    pub locked: bool,
    /// Solved (may reopen).
    pub solved: bool,
    /// Closed (final).
    pub closed: bool,
    /// Archived.
    pub archived: bool,
    /// The follow-up's source.
    pub follow_up_of: Option<String>,
    /// The service.
    pub service: Option<String>,
}

/// `?sent=1` and friends after an action.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn render_ticket(
    state: &WebState,
    headers: &HeaderMap,
    s: &session::SignedIn,
    t: &Ticket,
    errors: FormErrors,
    body: String,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "portal", &format!("/tickets/{}", t.number));
    let i = page.i;
    let detail = state.desk.ticket_detail(&s.actor, t.id, false).await?;
    let l = Lookup::load(&state.desk, &s.actor).await?;
    let messages = message_views(state, &s.actor, &detail.messages).await?;
    let tk = &detail.ticket;
    let (panels_top, panels_detail) = {
        let ctx = panels::ticket_context(state, s, tk).await;
        let key = format!("{}:{}:{}", tk.id, tk.version, s.user.id);
        futures_util::future::join(
            panels::fetch(state, "TicketClientAreaViewDetailTop", ctx.clone(), &key),
            panels::fetch(state, "TicketClientAreaViewDetail", ctx, &key),
        )
        .await
    };
    let follow_up_of = match tk.follow_up_of_id {
        Some(f) => state.desk.ticket_number(&s.actor, f).await?,
        None => None,
    };
    let service = match tk.service_id {
        Some(sid) => state.desk.service(&s.actor, sid).await.ok().map(|s| service_label(&s)),
        None => None,
    };
    let fields = tk
        .custom_fields
        .iter()
        .map(|(k, v)| (l.field_label(&i, k), field_text(&i, l.fields.iter().find(|f| &f.key == k), v)))
        .collect();
    let summary = TicketSummary {
        number: tk.number.clone(),
        subject: tk.subject.clone(),
        status: l.status(&i, tk.status.as_str()),
        category: tk.status_category.as_str(),
        priority: priority_label(&i, tk.priority),
        department: l.department(tk.department_id),
        created: Stamp::of(tk.created_at),
        updated: Stamp::of(tk.updated_at),
        locked: tk.locked,
        solved: tk.status_category == StatusCategory::Solved,
        closed: tk.status_category == StatusCategory::Closed,
        archived: tk.archived,
        follow_up_of,
        service,
    };
    let status = errors.status();
    let max_files = state.desk.limits().max_attachments_per_message;
    html_status(
        status,
        &TicketPage {
            page,
            t: summary,
            messages,
            fields,
            can_rate: tk.requester_id == s.user.id,
            errors,
            body,
            notice,
            max_files,
            panels_top,
            panels_detail,
        },
    )
}

/// A ticket's page, by number.
pub async fn ticket(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(number): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let t = by_number(&state, &s.actor, &number).await?;
    if s.user.role.is_staff() && !s.is_guest() {
        return Ok(see_other(&format!("/agent/tickets/{}", t.id)));
    }
    let i = session::i18n_for(&headers, Some(&s));
    let notice = done_notice(&i, q.done.as_deref());
    // Opening the ticket marks it read.
    let _ = state.desk.mark_read(&s.actor, t.id).await;
    render_ticket(&state, &headers, &s, &t, FormErrors::default(), String::new(), notice).await
}

/// Replies on a ticket (a reply to a closed one opens a follow-up).
pub async fn reply(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    peer: Peer,
    Path(number): Path<String>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    let t = by_number(&state, &s.actor, &number).await?;
    let i = session::i18n_for(&headers, Some(&s));
    let mut errors = FormErrors::default();
    let attachment_ids = upload_files(&state, &s.actor, &i, &form.files, &mut errors).await;
    let body = form.get("body").unwrap_or_default().to_string();
    if !errors.any() {
        let input = PostMessage { body: body.clone(), attachment_ids, ..PostMessage::default() };
        match state.desk.reply(&s.actor, t.id, input, &origin(&peer)).await {
            Ok(p) if p.follow_up => return Ok(see_other(&format!("/tickets/{}?done=follow_up", p.ticket.number))),
            Ok(_) => return Ok(see_other(&format!("/tickets/{number}?done=replied#latest"))),
            Err(e) => errors = FormErrors::from_desk(&i, &e),
        }
    }
    render_ticket(&state, &headers, &s, &t, errors, body, None).await
}

/// Solve, close, reopen, archive or unarchive.
pub async fn action(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(number): Path<String>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    let t = by_number(&state, &s.actor, &number).await?;
    let i = session::i18n_for(&headers, Some(&s));
    let what = form.get("do").unwrap_or_default();
    let result = match what {
        "solve" => state.desk.solve(&s.actor, t.id, None).await,
        "close" => state.desk.close(&s.actor, t.id, None).await,
        "reopen" => state.desk.reopen(&s.actor, t.id, None).await,
        "archive" | "unarchive" => {
            let patch = TicketPatch { archived: Some(what == "archive"), ..TicketPatch::default() };
            state.desk.update_ticket(&s.actor, t.id, patch, None).await
        }
        _ => return Err(WebError::BadRequest("unknown action".into())),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/tickets/{number}?done={what}"))),
        Err(e) => render_ticket(&state, &headers, &s, &t, FormErrors::from_desk(&i, &e), String::new(), None).await,
    }
}

/// Rates an agent reply.
pub async fn rate(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(number): Path<String>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    let t = by_number(&state, &s.actor, &number).await?;
    let i = session::i18n_for(&headers, Some(&s));
    let message = form.id("message_id").ok_or_else(|| WebError::BadRequest("no message".into()))?;
    let rating = form.get("rating").and_then(|r| r.parse::<u8>().ok()).unwrap_or(0);
    match state.desk.rate_message(&s.actor, MessageId(message), rating).await {
        Ok(_) => Ok(see_other(&format!("/tickets/{number}?done=rated#m{message}"))),
        Err(e) => render_ticket(&state, &headers, &s, &t, FormErrors::from_desk(&i, &e), String::new(), None).await,
    }
}

/// Downloads an attachment the session may see.
pub async fn download(
    State(state): State<WebState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (rec, bytes) = state.desk.download(&s.actor, AttachmentId(id)).await?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&rec.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let ascii: String =
        rec.filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let disposition =
        format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", encode(&rec.filename).replace('+', "%20"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(resp)
}

// ---- guests --------------------------------------------------------------------------------------

/// `?key=` of a guest link.
#[derive(Debug, Deserialize)]
pub struct KeyQuery {
    key: Option<String>,
}

/// Opens one ticket by its access key: a guest session on that ticket,
/// acting as its requester.
pub async fn guest_link(
    State(state): State<WebState>,
    Path(number): Path<String>,
    Query(q): Query<KeyQuery>,
) -> Result<Response, WebError> {
    let key = q.key.unwrap_or_default();
    let started = state.desk.start_guest_session(&number, &key).await?;
    let cookie = session::cookie_of(&state, &started);
    let mut r = see_other(&format!("/tickets/{number}"));
    r.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(r)
}
