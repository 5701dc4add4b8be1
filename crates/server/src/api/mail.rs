//! Mail handed in over HTTP (`POST /mail/inbound`, a raw `message/rfc822`
//! body, for mail services that forward raw messages), and the admins' view
//! of what came in: each message's state, its raw bytes, and processing a
//! quarantined one again. See docs/email.md.

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Auth, Id};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tessera_core::ids::InboundId;
use tessera_desk::mail::Handover;
use tessera_mail::gateway::{self, TakeError};
use tessera_store::{InboundRecord, InboundState, MailSource};
use utoipa::{IntoParams, ToSchema};

/// Where a message is handed in.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InboundParams {
    /// The envelope recipient (a department's address), when the service
    /// names it; otherwise the message's own `To` and `Cc` route it.
    pub to: Option<String>,
}

/// Which inbound messages to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InboundListParams {
    /// Only those in this state (`quarantined` for the quarantine).
    pub state: Option<InboundState>,
    /// Only those with ids below this (the previous page's `next_before`).
    pub before: Option<i64>,
    /// Page size (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A page of inbound messages, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboundList {
    /// The messages.
    pub messages: Vec<InboundRecord>,
    /// Where the next page starts (`before`), when there may be one.
    pub next_before: Option<InboundId>,
}

/// Hands in a raw e-mail (admins: a token made for the mail service).
/// The message is stored before the answer: a 202 means it is kept, and
/// says what it became (a ticket, a reply, an automatic message, a
/// quarantined one). A 503 means nothing was kept: send it again.
#[utoipa::path(post, path = "/mail/inbound", tag = "mail", params(InboundParams),
    request_body(content = Vec<u8>, content_type = "message/rfc822", description = "The raw message (RFC 5322)"),
    responses((status = 202, body = InboundRecord), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn hand_in(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<InboundParams>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<InboundRecord>)> {
    if !a.is_admin() {
        return Err(tessera_desk::DeskError::forbidden("only admins hand in mail").into());
    }
    if body.is_empty() {
        return Err(ApiError::bad_request("empty_body", "send the raw message as the body"));
    }
    let from = Handover { source: MailSource::Http, mailbox_id: None, envelope_to: p.to };
    match gateway::take(&s.desk, body.to_vec(), from, &s.config.mail_reading()).await {
        Ok(record) => Ok((StatusCode::ACCEPTED, Json(record))),
        Err(TakeError::Refused(e) | TakeError::NotStored(e)) => Err(e.into()),
    }
}

/// Mail that came in, newest first (admins).
#[utoipa::path(get, path = "/mail/inbound", tag = "mail", params(InboundListParams),
    responses((status = 200, body = InboundList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_inbound(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<InboundListParams>,
) -> ApiResult<Json<InboundList>> {
    let limit = p.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::bad_request("invalid_query", "limit is 1 to 200").with_field("limit"));
    }
    let list = s.desk.inbound_mails(&a, p.state, p.before.map(InboundId), limit).await?;
    let next_before = (list.len() == limit as usize).then(|| list.last().map(|m| m.id)).flatten();
    Ok(Json(InboundList { messages: list, next_before }))
}

/// One message that came in: where from, what it became and why (admins).
#[utoipa::path(get, path = "/mail/inbound/{id}", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = InboundRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_inbound(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<InboundRecord>> {
    Ok(Json(s.desk.inbound_mail(&a, InboundId(id)).await?))
}

/// A message's raw bytes, exactly as they were handed in (admins).
#[utoipa::path(get, path = "/mail/inbound/{id}/raw", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, description = "The raw message", content_type = "message/rfc822", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn raw_inbound(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Response> {
    let bytes = s.desk.raw_mail(&a, InboundId(id)).await?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("message/rfc822"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"message.eml\""));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(resp)
}

/// Processes a quarantined (or still stored) message again, after the
/// cause was fixed — a department given the address it was sent to, a
/// hook that refused it changed (admins). A message that already became
/// something is answered as it is.
#[utoipa::path(post, path = "/mail/inbound/{id}/process", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = InboundRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn process_inbound(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<InboundRecord>> {
    let (after, _) = gateway::process_again(&s.desk, &a, InboundId(id), &s.config.mail_reading()).await?;
    Ok(Json(after))
}
