//! IMAP mailboxes Tessera reads mail from (admins): their settings (the
//! password or token write-only) and how reading each is going (last
//! fetch, last error, backlog). The server's mail poller reads them.
//! See docs/email.md.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth, Id};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use tessera_core::ids::MailboxId;
use tessera_desk::mail::{MailboxInput, MailboxView};
use utoipa::ToSchema;

/// Every mailbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailboxList {
    /// The mailboxes, by id.
    pub mailboxes: Vec<MailboxView>,
}

/// Mailboxes with their state (admins).
#[utoipa::path(get, path = "/mailboxes", tag = "mail",
    responses((status = 200, body = MailboxList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_mailboxes(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Json<MailboxList>> {
    Ok(Json(MailboxList { mailboxes: s.desk.list_mailboxes(&a).await? }))
}

/// Adds a mailbox (admins): the poller starts reading it within seconds.
/// The password or token is kept sealed and never answered.
#[utoipa::path(post, path = "/mailboxes", tag = "mail", request_body = MailboxInput,
    responses((status = 201, body = MailboxView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_mailbox(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<MailboxInput>,
) -> ApiResult<(StatusCode, Json<MailboxView>)> {
    Ok((StatusCode::CREATED, Json(s.desk.create_mailbox(&a, input).await?)))
}

/// One mailbox with its state: last fetch, last error, backlog (admins).
#[utoipa::path(get, path = "/mailboxes/{id}", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = MailboxView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_mailbox(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<MailboxView>> {
    Ok(Json(s.desk.mailbox(&a, MailboxId(id)).await?))
}

/// Changes a mailbox (admins); a change clears its error so it is tried
/// again at once.
#[utoipa::path(patch, path = "/mailboxes/{id}", tag = "mail", request_body = MailboxInput, params(("id" = i64, Path)),
    responses((status = 200, body = MailboxView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_mailbox(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<MailboxInput>,
) -> ApiResult<Json<MailboxView>> {
    Ok(Json(s.desk.update_mailbox(&a, MailboxId(id), input).await?))
}

/// Removes a mailbox (admins); mail already fetched from it stays.
#[utoipa::path(delete, path = "/mailboxes/{id}", tag = "mail", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_mailbox(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.desk.delete_mailbox(&a, MailboxId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
