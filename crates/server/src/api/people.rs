//! People: `me`, users, organizations, tokens.

use super::dto::*;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tessera_core::ids::*;
use tessera_core::{Organization, Role};
use tessera_desk::{CreateUser, OrganizationInput, TokenInput, UpdateUser};
use tessera_store::UserQuery;
use utoipa::IntoParams;

/// The caller.
#[utoipa::path(get, path = "/me", tag = "users", responses((status = 200, body = UserOut), (status = 401, body = ErrorBody)))]
pub async fn me(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Json<UserOut>> {
    Ok(Json(s.desk.me(&a).await?.into()))
}

/// User list filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserParams {
    /// `customer`, `agent` or `admin` (empty: any).
    #[param(pattern = "^(customer|agent|admin)?$")]
    role: Option<String>,
    /// Members of this organization.
    organization_id: Option<i64>,
    /// Name or e-mail contains this.
    q: Option<String>,
    /// The `next_after` of the previous page.
    after: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// Users (agents).
#[utoipa::path(get, path = "/users", tag = "users", params(UserParams),
    responses((status = 200, body = UserList), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<UserParams>,
) -> ApiResult<Json<UserList>> {
    let role = p
        .role
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(|r| {
            Role::parse(r).ok_or_else(|| {
                ApiError::bad_request("invalid_query", "role is customer, agent or admin").with_field("role")
            })
        })
        .transpose()?;
    let limit = p.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::bad_request("invalid_query", "limit is 1 to 200").with_field("limit"));
    }
    let q = UserQuery {
        role,
        organization_id: p.organization_id.map(OrganizationId),
        search: p.q.filter(|s| !s.trim().is_empty()),
        after: p.after.map(UserId),
        limit,
    };
    let users = s.desk.list_users(&a, q).await?;
    let next_after = (users.len() == limit as usize).then(|| users.last().map(|u| u.id)).flatten();
    Ok(Json(UserList { users: users.into_iter().map(UserOut::from).collect(), next_after }))
}

/// Creates a user (admins any role; agents customers). Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = UserOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    Ok((StatusCode::CREATED, Json(s.desk.create_user(&a, input).await?.into())))
}

/// One user (customers: themselves).
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = ErrorBody)))]
pub async fn get_user(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<UserOut>> {
    Ok(Json(s.desk.user(&a, UserId(id)).await?.into()))
}

/// Changes a user.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", request_body = UpdateUser, params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_user(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<UpdateUser>,
) -> ApiResult<Json<UserOut>> {
    Ok(Json(s.desk.update_user(&a, UserId(id), input).await?.into()))
}

/// Organizations (customers: their own).
#[utoipa::path(get, path = "/organizations", tag = "organizations", responses((status = 200, body = OrganizationList)))]
pub async fn list_organizations(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Json<OrganizationList>> {
    Ok(Json(OrganizationList { organizations: s.desk.list_organizations(&a).await? }))
}

/// Creates an organization (agents).
#[utoipa::path(post, path = "/organizations", tag = "organizations", request_body = OrganizationInput,
    responses((status = 201, body = Organization), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_organization(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<OrganizationInput>,
) -> ApiResult<(StatusCode, Json<Organization>)> {
    Ok((StatusCode::CREATED, Json(s.desk.create_organization(&a, input).await?)))
}

/// One organization.
#[utoipa::path(get, path = "/organizations/{id}", tag = "organizations", params(("id" = i64, Path)),
    responses((status = 200, body = Organization), (status = 404, body = ErrorBody)))]
pub async fn get_organization(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<Organization>> {
    Ok(Json(s.desk.organization(&a, OrganizationId(id)).await?))
}

/// Changes an organization (agents).
#[utoipa::path(patch, path = "/organizations/{id}", tag = "organizations", request_body = OrganizationInput, params(("id" = i64, Path)),
    responses((status = 200, body = Organization), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_organization(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<OrganizationInput>,
) -> ApiResult<Json<Organization>> {
    Ok(Json(s.desk.update_organization(&a, OrganizationId(id), input).await?))
}

/// Token list filter.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TokenParams {
    /// Admins: another user's tokens.
    user_id: Option<i64>,
}

/// Your tokens (admins: anyone's).
#[utoipa::path(get, path = "/tokens", tag = "tokens", params(TokenParams), responses((status = 200, body = TokenList), (status = 403, body = ErrorBody)))]
pub async fn list_tokens(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<TokenParams>,
) -> ApiResult<Json<TokenList>> {
    let tokens = s.desk.list_tokens(&a, p.user_id.map(UserId)).await?;
    Ok(Json(TokenList { tokens: tokens.into_iter().map(TokenOut::from).collect() }))
}

/// Creates a token; its secret is shown only in this answer.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = TokenInput,
    responses((status = 201, body = IssuedTokenOut), (status = 403, body = ErrorBody)))]
pub async fn create_token(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<TokenInput>,
) -> ApiResult<(StatusCode, Json<IssuedTokenOut>)> {
    Ok((StatusCode::CREATED, Json(s.desk.create_token(&a, input).await?.into())))
}

/// Revokes a token.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.desk.revoke_token(&a, TokenId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
