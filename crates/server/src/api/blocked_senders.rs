//! The blocked-senders list (admins): addresses and domains whose mail is
//! refused, installation-wide or in one department. WHMCS's
//! `BlockTicketSender` adds to the same list. See docs/email.md.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth, Id};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use tessera_core::ids::SenderBlockId;
use tessera_desk::mail::SenderBlockInput;
use tessera_store::SenderBlock;
use utoipa::ToSchema;

/// The whole list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SenderBlockList {
    /// Entries, newest first.
    pub blocked_senders: Vec<SenderBlock>,
}

/// The blocked-senders list, newest first (admins).
#[utoipa::path(get, path = "/blocked-senders", tag = "mail",
    responses((status = 200, body = SenderBlockList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_blocked_senders(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Json<SenderBlockList>> {
    Ok(Json(SenderBlockList { blocked_senders: s.desk.sender_blocks(&a).await? }))
}

/// Blocks an address (`someone@example.com`) or a domain (`@example.com`),
/// for every department or one (admins). 201 with the new entry; 200 with
/// the entry already listed for that department.
#[utoipa::path(post, path = "/blocked-senders", tag = "mail", request_body = SenderBlockInput,
    responses((status = 201, body = SenderBlock), (status = 200, body = SenderBlock), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_blocked_sender(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<SenderBlockInput>,
) -> ApiResult<(StatusCode, Json<SenderBlock>)> {
    let (entry, new) = s.desk.add_sender_block(&a, input).await?;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(entry)))
}

/// Removes an entry (admins): the sender's mail is taken again from now on.
#[utoipa::path(delete, path = "/blocked-senders/{id}", tag = "mail", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_blocked_sender(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.desk.remove_sender_block(&a, SenderBlockId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
