//! The catalogue tickets refer to: departments, services, statuses and
//! custom fields.

use super::dto::*;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tessera_core::custom_field::CustomFieldDef;
use tessera_core::ids::*;
use tessera_core::{Service, ServiceKind, Status};
use tessera_desk::{CustomFieldInput, DepartmentInput, ServiceInput, StatusInput};
use utoipa::IntoParams;

/// Departments (customers: public ones).
#[utoipa::path(get, path = "/departments", tag = "departments", responses((status = 200, body = DepartmentList)))]
pub async fn list_departments(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Json<DepartmentList>> {
    let list = s.desk.list_departments(&a).await?;
    Ok(Json(DepartmentList { departments: list.into_iter().map(DepartmentOut::from).collect() }))
}

/// Creates a department (admins), optionally with `member_ids`.
#[utoipa::path(post, path = "/departments", tag = "departments", request_body = DepartmentInput,
    responses((status = 201, body = DepartmentOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_department(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<DepartmentInput>,
) -> ApiResult<(StatusCode, Json<DepartmentOut>)> {
    Ok((StatusCode::CREATED, Json(s.desk.create_department(&a, input).await?.into())))
}

/// One department with its members.
#[utoipa::path(get, path = "/departments/{id}", tag = "departments", params(("id" = i64, Path)),
    responses((status = 200, body = DepartmentOut), (status = 404, body = ErrorBody)))]
pub async fn get_department(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<DepartmentOut>> {
    Ok(Json(s.desk.department(&a, DepartmentId(id)).await?.into()))
}

/// Changes a department (admins); `member_ids` replaces its members.
#[utoipa::path(patch, path = "/departments/{id}", tag = "departments", request_body = DepartmentInput, params(("id" = i64, Path)),
    responses((status = 200, body = DepartmentOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_department(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<DepartmentInput>,
) -> ApiResult<Json<DepartmentOut>> {
    Ok(Json(s.desk.update_department(&a, DepartmentId(id), input).await?.into()))
}

/// Service list filter.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ServiceParams {
    /// Agents: one owner's services.
    owner_id: Option<i64>,
}

/// Services (customers: their own).
#[utoipa::path(get, path = "/services", tag = "services", params(ServiceParams), responses((status = 200, body = ServiceList)))]
pub async fn list_services(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<ServiceParams>,
) -> ApiResult<Json<ServiceList>> {
    Ok(Json(ServiceList { services: s.desk.list_services(&a, p.owner_id.map(UserId)).await? }))
}

/// Creates a service (agents).
#[utoipa::path(post, path = "/services", tag = "services", request_body = ServiceInput,
    responses((status = 201, body = Service), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_service(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<ServiceInput>,
) -> ApiResult<(StatusCode, Json<Service>)> {
    Ok((StatusCode::CREATED, Json(s.desk.create_service(&a, input).await?)))
}

/// One service.
#[utoipa::path(get, path = "/services/{id}", tag = "services", params(("id" = i64, Path)),
    responses((status = 200, body = Service), (status = 404, body = ErrorBody)))]
pub async fn get_service(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<Service>> {
    Ok(Json(s.desk.service(&a, ServiceId(id)).await?))
}

/// Changes a service (agents).
#[utoipa::path(patch, path = "/services/{id}", tag = "services", request_body = ServiceInput, params(("id" = i64, Path)),
    responses((status = 200, body = Service), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_service(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ServiceInput>,
) -> ApiResult<Json<Service>> {
    Ok(Json(s.desk.update_service(&a, ServiceId(id), input).await?))
}

/// Creates or updates the service a billing system knows by kind and
/// external id (201 when created, 200 when updated): how a billing system
/// keeps Tessera's services in sync.
#[utoipa::path(put, path = "/services/sync/{kind}/{external_id}", tag = "services", request_body = ServiceInput,
    params(("kind" = String, Path, description = "service, domain or other"), ("external_id" = String, Path)),
    responses((status = 200, body = Service), (status = 201, body = Service), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sync_service(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((kind, ext)): Path<(String, String)>,
    ApiJson(input): ApiJson<ServiceInput>,
) -> ApiResult<(StatusCode, Json<Service>)> {
    let kind = ServiceKind::parse(&kind).ok_or_else(|| ApiError::not_found("service kind"))?;
    let (svc, created) = s.desk.upsert_service(&a, kind, &ext, input).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(svc)))
}

/// The status catalogue.
#[utoipa::path(get, path = "/statuses", tag = "statuses", responses((status = 200, body = StatusList)))]
pub async fn list_statuses(State(s): State<AppState>, Auth(_a): Auth) -> ApiResult<Json<StatusList>> {
    Ok(Json(StatusList { statuses: s.desk.statuses().await? }))
}

/// Adds a status in a category (admins).
#[utoipa::path(post, path = "/statuses", tag = "statuses", request_body = StatusInput,
    responses((status = 201, body = Status), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_status(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<StatusInput>,
) -> ApiResult<(StatusCode, Json<Status>)> {
    Ok((StatusCode::CREATED, Json(s.desk.create_status(&a, input).await?)))
}

/// Custom field definitions (customers: those they see or set).
#[utoipa::path(get, path = "/custom-fields", tag = "custom fields", responses((status = 200, body = CustomFieldList)))]
pub async fn list_custom_fields(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Json<CustomFieldList>> {
    Ok(Json(CustomFieldList { custom_fields: s.desk.custom_fields(&a).await? }))
}

/// Creates a custom field (admins).
#[utoipa::path(post, path = "/custom-fields", tag = "custom fields", request_body = CustomFieldInput,
    responses((status = 201, body = CustomFieldDef), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_custom_field(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<CustomFieldInput>,
) -> ApiResult<(StatusCode, Json<CustomFieldDef>)> {
    Ok((StatusCode::CREATED, Json(s.desk.create_custom_field(&a, input).await?)))
}

/// Changes a custom field (admins); key and type are fixed.
#[utoipa::path(patch, path = "/custom-fields/{id}", tag = "custom fields", request_body = CustomFieldInput, params(("id" = i64, Path)),
    responses((status = 200, body = CustomFieldDef), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_custom_field(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<CustomFieldInput>,
) -> ApiResult<Json<CustomFieldDef>> {
    Ok(Json(s.desk.update_custom_field(&a, CustomFieldId(id), input).await?))
}

/// Removes a custom field (admins).
#[utoipa::path(delete, path = "/custom-fields/{id}", tag = "custom fields", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_custom_field(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.desk.delete_custom_field(&a, CustomFieldId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
