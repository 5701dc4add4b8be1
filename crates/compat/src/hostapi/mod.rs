//! The hosting provider REST API of seed 002: `/compat/hostapi/v1/tickets…`
//! (`spec/compat.md`, section hostapi).
//!
//! Customer-level: `Authorization: Bearer <token>` of a customer (an
//! agent's token is refused with 403: this API acts for the customer who
//! owns the services). Bodies are JSON or forms; answers are JSON,
//! `{"status":"success",…}` or `{"status":"error","message":…}` with a 4xx.

pub mod messages;
pub mod params;
pub mod secrets;

use crate::CompatState;
use crate::common::{self, AuthError, StatusRow, dmy_his, with_action};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use messages::Msg;
use params::{ParamError, Params, parse_id};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tessera_core::lang::Lang;
use tessera_core::{Actor, DepartmentId, DomainError, MessageKind, ServiceId, Source, Ticket, TicketId};
use tessera_desk::{DeskError, OpenTicket, Origin, PostMessage, TicketListQuery};
use tessera_store::{SortField, TicketSort};

/// The most tickets `GET /v1/tickets` lists (newest first).
pub const MAX_LISTED: usize = 1000;

crate::common::actions! {
    /// The endpoints, by the action name the request log gives them.
    Endpoint, ACTIONS;
    /// `GET /v1/tickets`: the caller's tickets.
    List => "tickets",
    /// `POST /v1/tickets/create`: opens a ticket.
    Create => "create",
    /// `POST /v1/tickets/reply`: replies on a ticket.
    Reply => "reply",
    /// `GET|POST /v1/tickets/{id}/close`: closes a ticket.
    Close => "close",
}

impl Endpoint {
    /// The path, relative to `/compat/hostapi` (axum's pattern syntax).
    pub const fn path(self) -> &'static str {
        match self {
            Self::List => "/v1/tickets",
            Self::Create => "/v1/tickets/create",
            Self::Reply => "/v1/tickets/reply",
            Self::Close => "/v1/tickets/{id}/close",
        }
    }

    /// The methods it answers (any other gets the dialect's 405).
    pub const fn methods(self) -> &'static [&'static str] {
        match self {
            Self::List => &["GET"],
            Self::Create | Self::Reply => &["POST"],
            Self::Close => &["GET", "POST"],
        }
    }

    fn handler(self) -> MethodRouter<CompatState> {
        let methods = self.methods();
        match self {
            Self::List => common::on_methods(methods, list),
            Self::Create => common::on_methods(methods, create),
            Self::Reply => common::on_methods(methods, reply),
            Self::Close => common::on_methods(methods, close),
        }
    }
}

/// The dialect's routes, relative to `/compat/hostapi`: one per
/// [`Endpoint`].
pub fn router() -> Router<CompatState> {
    Endpoint::ALL
        .iter()
        .fold(Router::new(), |r, e| r.route(e.path(), e.handler().fallback(wrong_method)))
        .fallback(no_endpoint)
}

/// A refusal in the dialect's shape: `{"status":"error","message":…}`.
#[derive(Debug)]
pub struct Fail {
    /// The HTTP status (4xx, or 500 for our own faults).
    pub status: StatusCode,
    /// What went wrong, in the caller's language where the dialect words it.
    pub message: String,
}

impl Fail {
    fn new(status: StatusCode, msg: &Msg, lang: Lang) -> Self {
        Self { status, message: msg.text(lang) }
    }

    fn param(e: ParamError, lang: Lang) -> Self {
        let msg = match e {
            ParamError::BadBody => Msg::BadBody,
            ParamError::Missing(p) => Msg::Missing(p),
            ParamError::Invalid(p) => Msg::Invalid(p),
            ParamError::ServiceFormat => Msg::ServiceFormat,
        };
        Self::new(StatusCode::BAD_REQUEST, &msg, lang)
    }

    fn auth(e: AuthError, lang: Lang) -> Self {
        match e {
            AuthError::Failed => Self::new(StatusCode::UNAUTHORIZED, &Msg::AuthFailed, lang),
            AuthError::TooMany => Self::new(StatusCode::TOO_MANY_REQUESTS, &Msg::TooMany, lang),
            AuthError::WrongRole => Self::new(StatusCode::FORBIDDEN, &Msg::CustomersOnly, lang),
            AuthError::Desk(e) => Self::desk(e, lang),
        }
    }

    /// A desk refusal: not found is the ticket's (a ticket of another
    /// customer is not found either); unknown departments and services
    /// are named; the rest carry the desk's own words.
    fn desk(e: DeskError, lang: Lang) -> Self {
        use StatusCode as S;
        match e {
            DeskError::NotFound { .. } => Self::new(S::NOT_FOUND, &Msg::UnknownTicket, lang),
            DeskError::Unauthenticated => Self::new(S::UNAUTHORIZED, &Msg::AuthFailed, lang),
            DeskError::Domain(DomainError::Invalid { code: "unknown_department", .. }) => {
                Self::new(S::BAD_REQUEST, &Msg::UnknownDepartment, lang)
            }
            DeskError::Domain(DomainError::Invalid { code: "unknown_service", .. }) => {
                Self::new(S::BAD_REQUEST, &Msg::UnknownService, lang)
            }
            DeskError::Domain(d @ DomainError::Invalid { .. }) => {
                Self { status: S::BAD_REQUEST, message: d.to_string() }
            }
            DeskError::Domain(d) => Self { status: S::CONFLICT, message: d.to_string() },
            e @ DeskError::Forbidden { .. } => Self { status: S::FORBIDDEN, message: e.to_string() },
            e @ (DeskError::Conflict { .. } | DeskError::VersionMismatch { .. }) => {
                Self { status: S::CONFLICT, message: e.to_string() }
            }
            DeskError::Refused(text) => Self { status: S::UNPROCESSABLE_ENTITY, message: text },
            e @ (DeskError::TooLarge(_) | DeskError::Search { .. }) => {
                let status = if matches!(e, DeskError::TooLarge(_)) { S::PAYLOAD_TOO_LARGE } else { S::BAD_REQUEST };
                Self { status, message: e.to_string() }
            }
            e @ DeskError::Unavailable(_) => {
                e.log_fault("hostapi");
                Self::new(S::SERVICE_UNAVAILABLE, &Msg::Internal, lang)
            }
            e @ DeskError::Internal(_) => {
                e.log_fault("hostapi");
                Self::new(S::INTERNAL_SERVER_ERROR, &Msg::Internal, lang)
            }
        }
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        (self.status, axum::Json(json!({"status": "error", "message": self.message}))).into_response()
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

/// The customer behind the request's bearer token.
async fn caller(s: &CompatState, headers: &HeaderMap, lang: Lang) -> Result<Actor, Fail> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("Bearer ").or_else(|| v.trim().strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Fail::new(StatusCode::UNAUTHORIZED, &Msg::AuthFailed, lang))?;
    let actor = common::token(&s.desk, token).await.map_err(|e| Fail::auth(e, lang))?;
    if actor.is_staff() {
        return Err(Fail::auth(AuthError::WrongRole, lang));
    }
    Ok(actor)
}

/// The request's origin for the desk (the API channel and the peer's address).
fn origin(parts: &Parts) -> Origin {
    Origin { channel: Source::Api, ip: common::peer_ip(&parts.extensions).map(|ip| ip.to_string()), mail: None }
}

/// Reads the body's parameters.
async fn body_params(s: &CompatState, parts: &Parts, body: Body, lang: Lang) -> Result<Params, Fail> {
    let ct = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let bytes = axum::body::to_bytes(body, s.config.max_body_bytes)
        .await
        .map_err(|_| Fail::new(StatusCode::PAYLOAD_TOO_LARGE, &Msg::TooLarge, lang))?;
    Params::parse(ct.as_deref(), &bytes).map_err(|e| Fail::param(e, lang))
}

/// The answer to a body above the endpoint's limit, given before it is
/// read (see [`crate::too_large`]).
pub(crate) fn too_large(s: &CompatState, headers: &HeaderMap) -> Response {
    let lang = common::language(headers, s.config.language);
    answer(Err(Fail::new(StatusCode::PAYLOAD_TOO_LARGE, &Msg::TooLarge, lang)), "-")
}

/// Links are built on the configured public URL, else on the request's host.
fn base_url(s: &CompatState, headers: &HeaderMap) -> String {
    match &s.config.public_url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
            format!("http://{host}")
        }
    }
}

/// The seed's status label of a ticket.
pub fn status_label(t: &Ticket) -> &'static str {
    match common::ticket_row(t) {
        StatusRow::New | StatusRow::Open => "Open",
        StatusRow::InProgress => "In Progress",
        StatusRow::Answered => "Answered",
        StatusRow::OnHold => "On Hold",
        StatusRow::Solved | StatusRow::Closed => "Closed",
    }
}

/// `GET /v1/tickets`: the caller's tickets, newest first, each with its
/// opening message and its public replies.
async fn list(State(s): State<CompatState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let lang = common::language(&parts.headers, s.config.language);
    let out = async {
        let actor = caller(&s, &parts.headers, lang).await?;
        let base = base_url(&s, &parts.headers);
        let tz = s.config.timezone;
        let mut tickets = Vec::new();
        let mut after = None;
        loop {
            let q = TicketListQuery {
                sort: TicketSort { field: SortField::CreatedAt, descending: true, boosted_first: false },
                after,
                limit: Some(100),
                ..TicketListQuery::default()
            };
            let page = s.desk.list_tickets(&actor, q).await.map_err(|e| Fail::desk(e, lang))?;
            tickets.extend(page.tickets);
            match page.next {
                Some(c) if tickets.len() < MAX_LISTED => after = Some(c),
                _ => break,
            }
        }
        let mut data = Vec::with_capacity(tickets.len());
        for t in tickets {
            let detail = match s.desk.ticket_detail(&actor, t.id, false).await {
                Ok(d) => d,
                // Deleted or moved between the list and the read.
                Err(DeskError::NotFound { .. }) => continue,
                Err(e) => return Err(Fail::desk(e, lang)),
            };
            let mut messages = detail.messages.into_iter().filter(|m| m.kind == MessageKind::Reply);
            let first = messages.next();
            let attachment = first
                .as_ref()
                .and_then(|m| m.attachment_ids.first())
                .map(|a| format!("{base}/api/v1/attachments/{a}/download"))
                .unwrap_or_default();
            let replies: Vec<Value> = messages
                .map(|m| {
                    json!({
                        "id": m.id.0,
                        "admin": i32::from(m.author.staff),
                        "user": m.author.name,
                        "date": dmy_his(m.created_at, tz),
                        "message": m.body,
                    })
                })
                .collect();
            let t = detail.ticket;
            data.push(json!({
                "id": t.id.0,
                "date": dmy_his(t.created_at, tz),
                "message": first.map(|m| m.body).unwrap_or_default(),
                "status": status_label(&t),
                "attachment": attachment,
                "lastreply": dmy_his(t.last_reply_at.unwrap_or(t.created_at), tz),
                "replies": replies,
            }));
        }
        Ok(json!({ "data": data }))
    }
    .await;
    answer(out, "tickets")
}

/// `POST /v1/tickets/create`: title, department, message and `S<id>`
/// service; optional server details kept as secret fields.
async fn create(State(s): State<CompatState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let lang = common::language(&parts.headers, s.config.language);
    let out = async {
        let actor = caller(&s, &parts.headers, lang).await?;
        let origin = origin(&parts);
        let p = body_params(&s, &parts, body, lang).await?;
        let bad = |e| Fail::param(e, lang);
        let title = p.required_text("title").map_err(bad)?;
        let department = p.required_id("department").map_err(bad)?;
        let message = p.required_text("message").map_err(bad)?;
        let service = p.service().map_err(bad)?;
        let mut custom_fields = BTreeMap::new();
        for field in secrets::FIELDS {
            if let Some(v) = p.text(field.param).map_err(bad)? {
                if field.param == "serverip" && v.trim().parse::<std::net::IpAddr>().is_err() {
                    return Err(Fail::param(ParamError::Invalid(field.param), lang));
                }
                custom_fields.insert(field.key.to_string(), Value::String(v.trim().to_string()));
            }
        }
        // The service is checked before any field is made.
        s.desk.service(&actor, ServiceId(service)).await.map_err(|e| match e {
            DeskError::NotFound { .. } => Fail::new(StatusCode::BAD_REQUEST, &Msg::UnknownService, lang),
            e => Fail::desk(e, lang),
        })?;
        if !custom_fields.is_empty() {
            let keys: Vec<&'static str> =
                secrets::FIELDS.iter().map(|f| f.key).filter(|k| custom_fields.contains_key(*k)).collect();
            secrets::ensure(&s.desk, &keys).await.map_err(|e| match e {
                secrets::SecretFieldError::Desk(e) => Fail::desk(e, lang),
                e @ secrets::SecretFieldError::NotSecret(_) => {
                    Fail { status: StatusCode::CONFLICT, message: e.to_string() }
                }
            })?;
        }
        let mut input = OpenTicket::new(&title, DepartmentId(department), &message);
        input.service_id = Some(ServiceId(service));
        input.custom_fields = custom_fields;
        let detail = s.desk.open_ticket(&actor, input, &origin).await.map_err(|e| Fail::desk(e, lang))?;
        Ok(json!({"status": "success", "message": Msg::Created.text(lang), "id": detail.ticket.id.0}))
    }
    .await;
    answer(out, "create")
}

/// `POST /v1/tickets/reply`: the caller's reply `reply` on ticket `id`.
async fn reply(State(s): State<CompatState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let lang = common::language(&parts.headers, s.config.language);
    let out = async {
        let actor = caller(&s, &parts.headers, lang).await?;
        let origin = origin(&parts);
        let p = body_params(&s, &parts, body, lang).await?;
        let id = p.required_id("id").map_err(|e| Fail::param(e, lang))?;
        let text = p.required_text("reply").map_err(|e| Fail::param(e, lang))?;
        s.desk.reply(&actor, TicketId(id), PostMessage::text(&text), &origin).await.map_err(|e| Fail::desk(e, lang))?;
        Ok(json!({"status": "success", "message": Msg::Replied.text(lang)}))
    }
    .await;
    answer(out, "reply")
}

/// `GET /v1/tickets/{id}/close`: closes one of the caller's tickets.
async fn close(State(s): State<CompatState>, Path(id): Path<String>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let lang = common::language(&parts.headers, s.config.language);
    let out = async {
        let actor = caller(&s, &parts.headers, lang).await?;
        let id = parse_id(&id).ok_or_else(|| Fail::new(StatusCode::NOT_FOUND, &Msg::UnknownTicket, lang))?;
        s.desk.close(&actor, TicketId(id), None).await.map_err(|e| Fail::desk(e, lang))?;
        Ok(json!({"status": "success", "message": Msg::Closed(id).text(lang)}))
    }
    .await;
    answer(out, "close")
}

/// Any other path below `/compat/hostapi`.
async fn no_endpoint(State(s): State<CompatState>, headers: HeaderMap) -> Response {
    let lang = common::language(&headers, s.config.language);
    answer(Err(Fail::new(StatusCode::NOT_FOUND, &Msg::NoEndpoint, lang)), "-")
}

/// A known path with another method.
async fn wrong_method(State(s): State<CompatState>, headers: HeaderMap) -> Response {
    let lang = common::language(&headers, s.config.language);
    answer(Err(Fail::new(StatusCode::METHOD_NOT_ALLOWED, &Msg::WrongMethod, lang)), "-")
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
