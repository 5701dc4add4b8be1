//! The ticket page: the conversation, replying, the customer's actions
//! (solve, close, reopen, archive), ratings, downloads, and the guest link
//! that opens one ticket by its access key.

use crate::WebState;
use crate::forms::{Form, encode};
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::peer::{Peer, origin};
use crate::session::{self, Signed, check_csrf};
use crate::view::messages::{MessageView, message_views, upload_files};
use crate::view::panels::{self, PanelHtml};
use crate::view::{Lookup, Stamp, done_notice, field_text, priority_label, service_label};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tessera_core::ids::{AttachmentId, MessageId};
use tessera_core::status::StatusCategory;
use tessera_core::{Actor, Ticket};
use tessera_desk::{PostMessage, TicketPatch};

/// Finds a ticket by its number for an actor (not found when they may not see it).
pub async fn by_number(state: &WebState, actor: &Actor, number: &str) -> Result<Ticket, WebError> {
    Ok(state.desk.ticket_by_number(actor, number).await?)
}

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
    /// The person's saved draft (RFC 3339; empty when none), for the script.
    draft_at: String,
    /// Opened through a guest link: no server draft.
    guest: bool,
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
    // The reply form: what was posted (a refused reply), else one's draft.
    let (mut body, mut draft_at) = (body, String::new());
    if body.is_empty()
        && let Some(d) = crate::drafts::for_page(state, s, tk.id).await
    {
        (body, draft_at) = (d.body, d.updated_at.to_rfc3339());
    }
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
            draft_at,
            guest: s.is_guest(),
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
