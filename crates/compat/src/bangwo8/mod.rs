//! Bangwo8's ticket views (seed 004): `/compat/bangwo8/api/v1/…`
//! (`spec/compat.md`, section bangwo8).
//!
//! Agent-level: HTTP Basic `<email>:<password>` or `<identifier>:<secret>`,
//! or `Authorization: Bearer <token>`. JSON only, every value a string.
//! Views are Tessera's views; a view's tickets are its execution for the
//! caller (so an agent never sees another department's ticket through
//! one), and its count is the number of tickets that execution returns.
//! Errors are `{"error":"<code>","description":"<message>"}` with the
//! HTTP status.

pub mod labels;
pub mod query;
pub mod shape;

use crate::CompatState;
use crate::common::{self, AuthError, with_action};
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use query::{BadParam, Query};
use serde_json::{Value, json};
use shape::Style;
use tessera_core::{Actor, Ticket, ViewId};
use tessera_desk::{DeskError, TicketListQuery};
use tessera_store::TicketFilter;

crate::common::actions! {
    /// The endpoints, by the action name the request log gives them.
    Endpoint, ACTIONS;
    /// `GET /api/v1/ticketviews.json`: the views the caller may use.
    Views => "ticketviews",
    /// `GET /api/v1/ticketviews/{id}.json`: one view.
    View => "ticketviews.show",
    /// `GET /api/v1/ticketviews/show_many.json?ids=`: several views' counts.
    ShowMany => "ticketviews.show_many",
    /// `GET /api/v1/ticketviews/{id}/tickets.json`: a view's tickets.
    ViewTickets => "ticketviews.tickets",
    /// `GET /api/v1/ticketviews/{id}/count.json`: a view's count.
    ViewCount => "ticketviews.count",
    /// `GET /api/v1/tickets.json`: the tickets the caller may see.
    Tickets => "tickets",
}

impl Endpoint {
    /// The path, relative to `/compat/bangwo8` (axum's pattern syntax;
    /// `{file}` is `<view id>.json`).
    pub const fn path(self) -> &'static str {
        match self {
            Self::Views => "/api/v1/ticketviews.json",
            Self::View => "/api/v1/ticketviews/{file}",
            Self::ShowMany => "/api/v1/ticketviews/show_many.json",
            Self::ViewTickets => "/api/v1/ticketviews/{id}/tickets.json",
            Self::ViewCount => "/api/v1/ticketviews/{id}/count.json",
            Self::Tickets => "/api/v1/tickets.json",
        }
    }

    /// The methods it answers (reads only; any other gets the dialect's 405).
    pub const fn methods(self) -> &'static [&'static str] {
        &["GET"]
    }

    fn handler(self) -> axum::routing::MethodRouter<CompatState> {
        let methods = self.methods();
        match self {
            Self::Views => common::on_methods(methods, views_index),
            Self::View => common::on_methods(methods, view_file),
            Self::ShowMany => common::on_methods(methods, view_counts),
            Self::ViewTickets => common::on_methods(methods, view_tickets),
            Self::ViewCount => common::on_methods(methods, view_count),
            Self::Tickets => common::on_methods(methods, tickets),
        }
    }
}

/// The dialect's routes, relative to `/compat/bangwo8`: one per
/// [`Endpoint`] (`show_many.json` is a path of its own, ahead of
/// `{file}`).
pub fn router() -> Router<CompatState> {
    Endpoint::ALL
        .iter()
        .fold(Router::new(), |r, e| r.route(e.path(), e.handler().fallback(wrong_method)))
        .fallback(no_endpoint)
}

/// A refusal in Bangwo8's shape.
#[derive(Debug)]
pub struct Fail {
    /// The HTTP status.
    pub status: StatusCode,
    /// A short code (`invalid_parameter`, `unauthorized`, `not_found`…).
    pub code: &'static str,
    /// What went wrong.
    pub description: String,
}

impl Fail {
    fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        Self { status, code, description: description.into() }
    }

    fn view_not_found(id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("there is no ticket view {id} you may use"))
    }

    fn desk(e: DeskError) -> Self {
        use StatusCode as S;
        match e {
            DeskError::NotFound { what } => Self::new(S::NOT_FOUND, "not_found", format!("{what} not found")),
            DeskError::Unauthenticated => Self::new(S::UNAUTHORIZED, "unauthorized", "authentication failed"),
            e @ DeskError::Forbidden { .. } => Self::new(S::FORBIDDEN, "forbidden", e.to_string()),
            e @ (DeskError::Domain(_) | DeskError::Search { .. }) => {
                Self::new(S::BAD_REQUEST, "invalid_parameter", e.to_string())
            }
            e @ (DeskError::Conflict { .. } | DeskError::VersionMismatch { .. }) => {
                Self::new(S::CONFLICT, "conflict", e.to_string())
            }
            DeskError::Refused(text) => Self::new(S::UNPROCESSABLE_ENTITY, "refused", text),
            e @ DeskError::TooLarge(_) => Self::new(S::PAYLOAD_TOO_LARGE, "too_large", e.to_string()),
            e @ DeskError::Unavailable(_) => {
                e.log_fault("bangwo8");
                Self::new(S::SERVICE_UNAVAILABLE, "unavailable", "temporarily unavailable; please try again later")
            }
            e @ DeskError::Internal(_) => {
                e.log_fault("bangwo8");
                Self::new(S::INTERNAL_SERVER_ERROR, "internal_error", "server error; please try again later")
            }
        }
    }
}

impl From<BadParam> for Fail {
    fn from(e: BadParam) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_parameter", e.to_string())
    }
}

impl From<DeskError> for Fail {
    fn from(e: DeskError) -> Self {
        Self::desk(e)
    }
}

impl From<AuthError> for Fail {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Failed => Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "authentication failed"),
            AuthError::TooMany => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "too many sign-in attempts; try later")
            }
            AuthError::WrongRole => Self::new(StatusCode::FORBIDDEN, "forbidden", "this API is for agents"),
            AuthError::Desk(e) => Self::desk(e),
        }
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let mut resp =
            (self.status, axum::Json(json!({"error": self.code, "description": self.description}))).into_response();
        if unauthorized {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Tessera\""));
        }
        resp
    }
}

/// Answers a handler's outcome, tagged for the request log.
fn answer(out: Result<Value, Fail>, action: &str) -> Response {
    let resp = match out {
        Ok(v) => (StatusCode::OK, axum::Json(v)).into_response(),
        Err(f) => f.into_response(),
    };
    with_action(resp, action)
}

/// The agent behind the request: Basic e-mail + password (rate-limited
/// like the web sign-in), Basic token identifier + secret, or Bearer token.
async fn caller(s: &CompatState, parts: &Parts) -> Result<Actor, Fail> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .ok_or(AuthError::Failed)?;
    let (scheme, rest) = value.split_once(' ').ok_or(AuthError::Failed)?;
    let actor = if scheme.eq_ignore_ascii_case("bearer") {
        common::token(&s.desk, rest.trim()).await?
    } else if scheme.eq_ignore_ascii_case("basic") {
        let raw = base64::engine::general_purpose::STANDARD.decode(rest.trim()).map_err(|_| AuthError::Failed)?;
        let text = String::from_utf8(raw).map_err(|_| AuthError::Failed)?;
        let (user, secret) = text.split_once(':').ok_or(AuthError::Failed)?;
        if user.contains('@') {
            common::password(&s.desk, user, secret, common::peer_ip(&parts.extensions)).await?
        } else {
            common::token_pair(&s.desk, user, secret).await?
        }
    } else {
        return Err(AuthError::Failed.into());
    };
    Ok(common::staff(actor)?)
}

/// What every endpoint starts from: the caller, the query and the style.
struct Call {
    actor: Actor,
    query: Query,
    style: Style,
    /// `<base>/compat/bangwo8`, for links.
    root: String,
    /// The path below `/compat/bangwo8` (for page links).
    path: String,
}

async fn begin(s: &CompatState, parts: &Parts) -> Result<Call, Fail> {
    let actor = caller(s, parts).await?;
    let query = Query::parse(parts.uri.query())?;
    let accept = parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(tessera_core::lang::Lang::negotiate);
    let lang = query.lang(accept)?;
    let base = match &s.config.public_url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => {
            let host = parts.headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
            format!("http://{host}")
        }
    };
    // Below the dialect's mount point (`/api/v1/…`).
    let path = parts.uri.path().to_string();
    Ok(Call {
        actor,
        query,
        style: Style { tz: s.config.timezone, lang },
        root: format!("{base}/compat/bangwo8"),
        path,
    })
}

impl Call {
    fn view_url(&self, id: ViewId) -> String {
        format!("{}/api/v1/ticketviews/{}.json", self.root, id.0)
    }

    /// The link to another page of this list, or `""`.
    fn page_url(&self, page: Option<u32>) -> String {
        match page {
            Some(p) => format!("{}{}?{}", self.root, self.path, self.query.with_page(p)),
            None => String::new(),
        }
    }
}

/// A view id from the path (`9`, or `9.json` for the show route).
fn path_view_id(text: &str) -> Option<ViewId> {
    query::view_ids(Some(text)).ok().filter(|v| v.len() == 1 && !text.contains(['{', ','])).map(|v| ViewId(v[0]))
}

/// `GET /api/v1/ticketviews.json`: the views the caller may use.
async fn views_index(State(s): State<CompatState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let out = async {
        let call = begin(&s, &parts).await?;
        let views = s.desk.list_views(&call.actor, false).await?;
        let counts = call.query.show_tickets_num();
        let mut list = Vec::with_capacity(views.len());
        for v in &views {
            let n = if counts { Some(s.desk.view_count(&call.actor, v.id).await?) } else { None };
            list.push(shape::view(v, call.view_url(v.id), n, call.style));
        }
        Ok(json!({"ticketviews": list, "count": views.len().to_string()}))
    }
    .await;
    answer(out, "ticketviews")
}

/// `GET /api/v1/ticketviews/show_many.json?ids=`.
async fn view_counts(State(s): State<CompatState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let out = show_many(&s, &parts).await;
    answer(out, "ticketviews.show_many")
}

/// `GET /api/v1/ticketviews/{id}.json`.
async fn view_file(State(s): State<CompatState>, Path(file): Path<String>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let out = async {
        let call = begin(&s, &parts).await?;
        let id = file.strip_suffix(".json").and_then(path_view_id).ok_or_else(|| Fail::view_not_found(&file))?;
        let v = s.desk.view(&call.actor, id).await.map_err(|e| match e {
            DeskError::NotFound { .. } => Fail::view_not_found(&id.0.to_string()),
            e => Fail::desk(e),
        })?;
        let n = if call.query.show_tickets_num() { Some(s.desk.view_count(&call.actor, id).await?) } else { None };
        Ok(json!({"ticketview": shape::view(&v, call.view_url(id), n, call.style)}))
    }
    .await;
    answer(out, "ticketviews.show")
}

/// The counts of several views, in the order asked; views the caller may
/// not use (or that do not exist) are left out.
async fn show_many(s: &CompatState, parts: &Parts) -> Result<Value, Fail> {
    let call = begin(s, parts).await?;
    let ids = query::view_ids(call.query.get("ids"))?;
    let mut counts = Vec::with_capacity(ids.len());
    for id in ids {
        match s.desk.view_count(&call.actor, ViewId(id)).await {
            Ok(n) => counts.push(json!({"ticketview_id": id.to_string(), "count": n.to_string()})),
            Err(DeskError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(json!({"ticketview_counts": counts}))
}

/// `GET /api/v1/ticketviews/{id}/count.json`.
async fn view_count(State(s): State<CompatState>, Path(id): Path<String>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let out = async {
        let call = begin(&s, &parts).await?;
        let vid = path_view_id(&id).ok_or_else(|| Fail::view_not_found(&id))?;
        let n = s.desk.view_count(&call.actor, vid).await.map_err(|e| match e {
            DeskError::NotFound { .. } => Fail::view_not_found(&id),
            e => Fail::desk(e),
        })?;
        Ok(json!({"ticketview_count": [{"ticketview_id": vid.0.to_string(), "count": n.to_string()}]}))
    }
    .await;
    answer(out, "ticketviews.count")
}

/// `GET /api/v1/ticketviews/{id}/tickets.json?page=&per_page=`: the
/// view's execution for the caller, a page at a time.
async fn view_tickets(State(s): State<CompatState>, Path(id): Path<String>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let out = async {
        let call = begin(&s, &parts).await?;
        let vid = path_view_id(&id).ok_or_else(|| Fail::view_not_found(&id))?;
        let (_, filter, sort) = s.desk.view_query(&call.actor, vid).await.map_err(|e| match e {
            DeskError::NotFound { .. } => Fail::view_not_found(&id),
            e => Fail::desk(e),
        })?;
        ticket_page(&s, &call, filter, sort).await
    }
    .await;
    answer(out, "ticketviews.tickets")
}

/// `GET /api/v1/tickets.json`: the tickets the caller may see, filtered by
/// creation and update windows, by id ascending unless an order is asked.
async fn tickets(State(s): State<CompatState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let out = async {
        let call = begin(&s, &parts).await?;
        let tz = s.config.timezone;
        let q = &call.query;
        let filter = TicketFilter {
            created_after: q.time("created_start", tz, false)?,
            created_before: q.time("created_end", tz, true)?,
            updated_after: q.time("updated_start", tz, false)?,
            updated_before: q.time("updated_end", tz, true)?,
            ..TicketFilter::default()
        };
        let sort = q.order()?;
        ticket_page(&s, &call, filter, sort).await
    }
    .await;
    answer(out, "tickets")
}

/// One page of tickets in Bangwo8's envelope: `tickets`, `count` (all
/// matching tickets), `previous_page`, `next_page`.
async fn ticket_page(
    s: &CompatState,
    call: &Call,
    filter: TicketFilter,
    sort: tessera_store::TicketSort,
) -> Result<Value, Fail> {
    let (page, per_page) = call.query.paging()?;
    let offset = (page - 1) * per_page;
    let q = TicketListQuery { filter, sort, after: None, offset, limit: Some(per_page) };
    let found = s.desk.list_tickets(&call.actor, q).await?;
    let defs = s.desk.custom_fields(&call.actor).await?;
    let mut list = Vec::with_capacity(found.tickets.len());
    for t in &found.tickets {
        list.push(ticket_json(s, call, t, &defs).await?);
    }
    let previous = (page > 1).then(|| page - 1);
    let next = (u64::from(offset) + u64::from(per_page) < found.total).then_some(page + 1);
    Ok(json!({
        "tickets": list,
        "count": found.total.to_string(),
        "previous_page": call.page_url(previous),
        "next_page": call.page_url(next),
    }))
}

/// A ticket with its opening message.
async fn ticket_json(
    s: &CompatState,
    call: &Call,
    t: &Ticket,
    defs: &[tessera_core::CustomFieldDef],
) -> Result<Value, Fail> {
    let first = match s.desk.ticket_detail(&call.actor, t.id, false).await {
        Ok(d) => d.messages.into_iter().next(),
        Err(DeskError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(shape::ticket(t, first.as_ref(), defs, call.style))
}

/// Any other path below `/compat/bangwo8`.
async fn no_endpoint() -> Response {
    answer(Err(Fail::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")), "-")
}

/// The answer to a body above the limit (this dialect only reads), given
/// before it is read (see [`crate::too_large`]).
pub(crate) fn too_large() -> Response {
    answer(Err(Fail::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "the request body is too large")), "-")
}

/// A known path with another method.
async fn wrong_method(_headers: HeaderMap) -> Response {
    answer(Err(Fail::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this endpoint answers GET only")), "-")
}

#[cfg(test)]
mod endpoint_tests {
    use super::*;

    #[test]
    fn every_endpoint_is_routed_once_with_known_methods() {
        let table: Vec<_> = Endpoint::ALL.iter().map(|e| (e.name(), e.path(), e.methods())).collect();
        common::check_endpoint_table(&table, ACTIONS);
        // Building the router panics on overlapping routes.
        let _ = router();
    }
}
