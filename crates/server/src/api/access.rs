//! Account access over the API: asking for a password reset, setting the
//! new password with the mailed token, and a billing panel's hand-off
//! (decision 45, docs/security.md). The first two need no credential and
//! answer the same for every address; the hand-off needs an admin's token.

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth};
use crate::middleware::ClientIp;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_core::ids::{TicketId, UserId};
use tessera_desk::{AccessError, HandoffRequest, HandoffTarget};
use utoipa::ToSchema;

/// The answer to every reset request, whoever the address belongs to.
pub const RESET_REQUESTED: &str =
    "if the address belongs to an account, a link to set a new password is on its way; it works for one hour";

/// `POST /auth/password-reset`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequestIn {
    /// The account's e-mail address.
    pub email: String,
}

/// The neutral answer of a reset request.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedOut {
    /// What happens next (the same for known and unknown addresses).
    pub message: String,
}

/// `POST /auth/password-reset/confirm`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirmIn {
    /// The token from the mailed link (`…/reset/<token>`).
    pub token: String,
    /// The new password (8 characters at least).
    pub password: String,
}

/// `POST /sso/handoff`: name the customer by exactly one of `user_id`,
/// `email` or `external_client_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoffIn {
    /// Tessera's user id of the customer.
    #[serde(default)]
    pub user_id: Option<i64>,
    /// The customer's e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// The billing system's client id: the organization with this
    /// `external_id`, whose one member who sees all its tickets is signed in.
    #[serde(default)]
    pub external_client_id: Option<String>,
    /// Where the portal opens: a path of this site (`/tickets/new`).
    #[serde(default)]
    pub redirect_path: Option<String>,
    /// Opens this ticket's page (the customer must see it).
    #[serde(default)]
    pub ticket_id: Option<i64>,
}

/// A single-use sign-in URL for the customer's browser.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffOut {
    /// Open it (redirect the customer's browser to it) within a minute.
    pub url: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// The customer it signs in.
    pub user_id: UserId,
}

/// The API's answer to an account-access refusal (the one place they are
/// mapped for this door; the rest are desk errors).
impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::TooMany { retry_after_secs } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!("too many requests; try again in {retry_after_secs} s"),
            ),
            AccessError::NoPublicUrl => ApiError::new(StatusCode::CONFLICT, "public_url_missing", e.to_string()),
            AccessError::MailOff => ApiError::new(StatusCode::CONFLICT, "mail_not_configured", e.to_string()),
            AccessError::Desk(e) => e.into(),
        }
    }
}

/// Asks for a password reset link by e-mail, for any role. Needs no
/// credential. The answer is the same whether or not the address has an
/// account; requests are limited per address and per client (429).
#[utoipa::path(post, path = "/auth/password-reset", tag = "auth", security(()), request_body = ResetRequestIn,
    responses((status = 202, body = AcceptedOut), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn request_reset(
    State(s): State<AppState>,
    ip: ClientIp,
    ApiJson(input): ApiJson<ResetRequestIn>,
) -> ApiResult<(StatusCode, Json<AcceptedOut>)> {
    let client = ip.0.unwrap_or_else(|| "unknown".into());
    match s.desk.request_password_reset(&input.email, &client).await {
        Ok(()) => {}
        // The public answer stays neutral; the operator learns from the log.
        Err(e @ (AccessError::NoPublicUrl | AccessError::MailOff)) => {
            tracing::warn!(why = %e, "a password reset was asked for and no link was sent");
        }
        Err(e) => return Err(e.into()),
    }
    Ok((StatusCode::ACCEPTED, Json(AcceptedOut { message: RESET_REQUESTED.into() })))
}

/// Sets a new password with the token of a reset link. Needs no
/// credential. Ends every session of the user; the token works once.
#[utoipa::path(post, path = "/auth/password-reset/confirm", tag = "auth", security(()), request_body = ResetConfirmIn,
    responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn confirm_reset(
    State(s): State<AppState>,
    ApiJson(input): ApiJson<ResetConfirmIn>,
) -> ApiResult<StatusCode> {
    s.desk.complete_password_reset(&input.token, &input.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A billing panel's hand-off: a single-use URL, valid 60 seconds, that
/// signs the customer in a browser and opens the portal. Admins' tokens
/// only (the billing system's server-to-server credential).
#[utoipa::path(post, path = "/sso/handoff", tag = "auth", request_body = HandoffIn,
    responses((status = 201, body = HandoffOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn handoff(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<HandoffIn>,
) -> ApiResult<(StatusCode, Json<HandoffOut>)> {
    let target = match (input.user_id, input.email, input.external_client_id) {
        (Some(id), None, None) => HandoffTarget::User(UserId(id)),
        (None, Some(e), None) => HandoffTarget::Email(e),
        (None, None, Some(c)) => HandoffTarget::ExternalClient(c),
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                "name the customer by exactly one of user_id, email and external_client_id",
            )
            .with_field("user_id"));
        }
    };
    let request =
        HandoffRequest { target, redirect_path: input.redirect_path, ticket_id: input.ticket_id.map(TicketId) };
    let h = s.desk.create_handoff(&a, request).await?;
    Ok((StatusCode::CREATED, Json(HandoffOut { url: h.url, expires_at: h.expires_at, user_id: h.user_id })))
}
