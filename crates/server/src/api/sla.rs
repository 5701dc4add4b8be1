//! SLA policies: targets for first response, next response and resolution
//! per priority, counted in business hours (issue 5). Admins change them;
//! agents may read them.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth, Id};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tessera_core::ids::{DepartmentId, SlaPolicyId};
use tessera_core::sla::{PriorityTargets, ScheduleConfig};
use tessera_desk::sla::SlaPolicyInput;
use tessera_store::SlaPolicyRecord;
use utoipa::ToSchema;

/// An SLA policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaPolicyOut {
    /// Id.
    pub id: SlaPolicyId,
    /// Display name.
    pub name: String,
    /// Place in the list (lower first): the first active policy naming a
    /// ticket's department wins, else the first active general one.
    pub position: i64,
    /// Whether it applies.
    pub active: bool,
    /// The departments it applies to; empty: every department.
    pub department_ids: Vec<DepartmentId>,
    /// Business hours: zone, weekly intervals, holidays.
    pub schedule: ScheduleConfig,
    /// Targets per priority, in business minutes.
    pub targets: PriorityTargets,
    /// Warning lead, in business minutes (0: no warnings).
    pub warning_minutes: u32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<SlaPolicyRecord> for SlaPolicyOut {
    fn from(r: SlaPolicyRecord) -> Self {
        Self {
            id: r.id,
            name: r.policy.name,
            position: r.position,
            active: r.active,
            department_ids: r.policy.department_ids,
            schedule: r.policy.schedule.config().clone(),
            targets: r.policy.targets,
            warning_minutes: r.policy.warning_minutes,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// SLA policies.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaPolicyList {
    /// In position order.
    pub policies: Vec<SlaPolicyOut>,
}

/// Every SLA policy, in order (agents and admins).
#[utoipa::path(get, path = "/sla/policies", tag = "sla",
    responses((status = 200, body = SlaPolicyList), (status = 403, body = ErrorBody)))]
pub async fn list_sla_policies(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Json<SlaPolicyList>> {
    let policies = s.desk.list_sla_policies(&a).await?;
    Ok(Json(SlaPolicyList { policies: policies.into_iter().map(SlaPolicyOut::from).collect() }))
}

/// Creates an SLA policy (admins). `name`, `schedule` and `targets` are
/// required; open tickets are recomputed in the background.
#[utoipa::path(post, path = "/sla/policies", tag = "sla", request_body = SlaPolicyInput,
    responses((status = 201, body = SlaPolicyOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_sla_policy(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<SlaPolicyInput>,
) -> ApiResult<(StatusCode, Json<SlaPolicyOut>)> {
    Ok((StatusCode::CREATED, Json(s.desk.create_sla_policy(&a, input).await?.into())))
}

/// One SLA policy (agents and admins).
#[utoipa::path(get, path = "/sla/policies/{id}", tag = "sla", params(("id" = i64, Path)),
    responses((status = 200, body = SlaPolicyOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_sla_policy(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<SlaPolicyOut>> {
    Ok(Json(s.desk.sla_policy(&a, SlaPolicyId(id)).await?.into()))
}

/// Changes an SLA policy (admins); absent fields keep their value.
#[utoipa::path(patch, path = "/sla/policies/{id}", tag = "sla", params(("id" = i64, Path)),
    request_body = SlaPolicyInput,
    responses((status = 200, body = SlaPolicyOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_sla_policy(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<SlaPolicyInput>,
) -> ApiResult<Json<SlaPolicyOut>> {
    Ok(Json(s.desk.update_sla_policy(&a, SlaPolicyId(id), input).await?.into()))
}

/// Removes an SLA policy (admins).
#[utoipa::path(delete, path = "/sla/policies/{id}", tag = "sla", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_sla_policy(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.desk.delete_sla_policy(&a, SlaPolicyId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
