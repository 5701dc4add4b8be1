//! Messages: show, edit, delete, history, rating.

use super::dto::*;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth, Id};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tessera_core::Message;
use tessera_core::ids::MessageId;
use tessera_desk::{EditMessage, RateInput};

/// One message.
#[utoipa::path(get, path = "/messages/{id}", tag = "messages", params(("id" = i64, Path)),
    responses((status = 200, body = Message), (status = 404, body = ErrorBody)))]
pub async fn get_message(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<Message>> {
    Ok(Json(s.desk.message(&a, MessageId(id)).await?))
}

/// Edits a message's text (agents any; customers their own replies). The
/// previous text goes to the history.
#[utoipa::path(patch, path = "/messages/{id}", tag = "messages", request_body = EditMessage, params(("id" = i64, Path)),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn edit_message(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<EditMessage>,
) -> ApiResult<Json<Message>> {
    Ok(Json(s.desk.edit_message(&a, MessageId(id), input).await?))
}

/// Deletes a message (agents): its text is erased, a trace stays.
#[utoipa::path(delete, path = "/messages/{id}", tag = "messages", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_message(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.desk.delete_message(&a, MessageId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A message's earlier versions (agents).
#[utoipa::path(get, path = "/messages/{id}/history", tag = "messages", params(("id" = i64, Path)),
    responses((status = 200, body = MessageHistory), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn message_history(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<MessageHistory>> {
    Ok(Json(MessageHistory { edits: s.desk.message_history(&a, MessageId(id)).await? }))
}

/// Rates an agent reply 1–5 (the ticket's requester).
#[utoipa::path(post, path = "/messages/{id}/rating", tag = "messages", request_body = RateInput, params(("id" = i64, Path)),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate_message(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<RateInput>,
) -> ApiResult<Json<Message>> {
    Ok(Json(s.desk.rate_message(&a, MessageId(id), input.rating).await?))
}
