//! Integrations: webhooks with their delivery logs, and the validation
//! hooks and panels (all admin-only). See docs/hooks.md.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, Id, Ids};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_core::ids::*;
use tessera_core::{EventKind, Side};
use tessera_desk::hooks::{EndpointInput, Probe, WebhookInput, WebhookView};
use tessera_store::{Attempt, Delivery, DeliveryState, EndpointKind, HookEndpoint, HookFormat, OnFailure};
use utoipa::{IntoParams, ToSchema};

/// A webhook as the API shows it (the secret only right after it is set).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookOut {
    /// Id.
    pub id: WebhookId,
    /// Where events are POSTed.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// Event kinds wanted; empty: all.
    pub kinds: Vec<EventKind>,
    /// Sides wanted; empty: all.
    pub sides: Vec<Side>,
    /// Payload shape.
    pub format: HookFormat,
    /// On or off.
    pub active: bool,
    /// Failed attempts in a row after which it is switched off.
    pub failure_limit: u32,
    /// Failed attempts in a row so far.
    pub consecutive_failures: u32,
    /// Why it was switched off automatically.
    pub disabled_reason: Option<String>,
    /// The signing secret, only in the answer that set it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookView> for WebhookOut {
    fn from(v: WebhookView) -> Self {
        let w = v.webhook;
        Self {
            id: w.id,
            url: w.url,
            description: w.description,
            kinds: w.kinds,
            sides: w.sides,
            format: w.format,
            active: w.active,
            failure_limit: w.failure_limit,
            consecutive_failures: w.consecutive_failures,
            disabled_reason: w.disabled_reason,
            secret: v.secret,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// Webhooks.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    /// The webhooks.
    pub webhooks: Vec<WebhookOut>,
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptOut {
    /// 1 for the first.
    pub attempt: u32,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// HTTP status, when an answer came.
    pub status: Option<u16>,
    /// How long it took.
    pub latency_ms: u32,
    /// The start of the answer.
    pub response: String,
    /// Why it failed.
    pub error: Option<String>,
}

impl From<Attempt> for AttemptOut {
    fn from(a: Attempt) -> Self {
        Self {
            attempt: a.attempt,
            at: a.at,
            status: a.status,
            latency_ms: a.latency_ms,
            response: a.response,
            error: a.error,
        }
    }
}

/// One delivery of an event (or a test) to a webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    /// Id (the `Tessera-Delivery` header).
    pub id: DeliveryId,
    /// The webhook.
    pub webhook_id: WebhookId,
    /// The event delivered (none for tests).
    pub event_id: Option<EventId>,
    /// Its ticket.
    pub ticket_id: Option<TicketId>,
    /// The event kind or WiseCP hook name (the `Tessera-Event` header).
    pub name: String,
    /// Pending, delivered or failed.
    pub state: DeliveryState,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: DateTime<Utc>,
    /// The last answer's status.
    pub last_status: Option<u16>,
    /// The last failure.
    pub last_error: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When it was delivered or given up.
    pub finished_at: Option<DateTime<Utc>>,
    /// The delivery this one repeats.
    pub redelivery_of: Option<DeliveryId>,
    /// Its attempts, on single-delivery answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_log: Option<Vec<AttemptOut>>,
}

impl From<Delivery> for DeliveryOut {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            webhook_id: d.webhook_id,
            event_id: d.event_id,
            ticket_id: d.ticket_id,
            name: d.name,
            state: d.state,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: d.created_at,
            finished_at: d.finished_at,
            redelivery_of: d.redelivery_of,
            attempt_log: None,
        }
    }
}

/// A page of deliveries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    /// The deliveries.
    pub deliveries: Vec<DeliveryOut>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<DeliveryId>,
}

/// Paging of deliveries.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Deliveries older than this one.
    before: Option<i64>,
    /// Page size (1–200, default 50).
    limit: Option<u32>,
}

/// A validation hook or panel as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HookOut {
    /// Id.
    pub id: HookId,
    /// Validation or panel.
    pub kind: EndpointKind,
    /// The WiseCP validation hook name, or the panel's place.
    pub name: String,
    /// Where it is asked.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// Payload shape.
    pub format: HookFormat,
    /// Lower runs first.
    pub priority: i64,
    /// How long it is waited for.
    pub timeout_ms: u32,
    /// What a failure means (validation hooks).
    pub on_failure: OnFailure,
    /// On or off.
    pub active: bool,
    /// The signing secret, only in the answer that set it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl HookOut {
    fn new(e: HookEndpoint, secret: Option<String>) -> Self {
        Self {
            id: e.id,
            kind: e.kind,
            name: e.name,
            url: e.url,
            description: e.description,
            format: e.format,
            priority: e.priority,
            timeout_ms: e.timeout_ms,
            on_failure: e.on_failure,
            active: e.active,
            secret,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// Validation hooks and panels.
#[derive(Debug, Serialize, ToSchema)]
pub struct HookList {
    /// In kind, name and priority order.
    pub hooks: Vec<HookOut>,
}

fn view(webhook: tessera_store::Webhook) -> WebhookOut {
    WebhookView { webhook, secret: None }.into()
}

/// Webhooks (admins).
#[utoipa::path(get, path = "/webhooks", tag = "integrations",
    responses((status = 200, body = WebhookList), (status = 403, body = ErrorBody)))]
pub async fn list_webhooks(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Json<WebhookList>> {
    Ok(Json(WebhookList { webhooks: s.desk.list_webhooks(&a).await?.into_iter().map(view).collect() }))
}

/// Creates a webhook (admins); the answer carries its secret, once.
#[utoipa::path(post, path = "/webhooks", tag = "integrations", request_body = WebhookInput,
    responses((status = 201, body = WebhookOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_webhook(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<(StatusCode, Json<WebhookOut>)> {
    Ok((StatusCode::CREATED, Json(s.desk.create_webhook(&a, input).await?.into())))
}

/// One webhook (admins).
#[utoipa::path(get, path = "/webhooks/{id}", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_webhook(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<WebhookOut>> {
    Ok(Json(view(s.desk.webhook(&a, WebhookId(id)).await?)))
}

/// Changes a webhook (admins); switching it on resets its failure count.
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "integrations", request_body = WebhookInput, params(("id" = i64, Path)),
    responses((status = 200, body = WebhookOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_webhook(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<Json<WebhookOut>> {
    Ok(Json(s.desk.update_webhook(&a, WebhookId(id), input).await?.into()))
}

/// Removes a webhook and its delivery log (admins).
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_webhook(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.desk.delete_webhook(&a, WebhookId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queues a `webhook.test` delivery (admins).
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 202, body = DeliveryOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn test_webhook(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
) -> ApiResult<(StatusCode, Json<DeliveryOut>)> {
    Ok((StatusCode::ACCEPTED, Json(s.desk.test_webhook(&a, WebhookId(id)).await?.into())))
}

/// A webhook's deliveries, newest first (admins).
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "integrations", params(("id" = i64, Path), DeliveryParams),
    responses((status = 200, body = DeliveryList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_deliveries(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiQuery(p): ApiQuery<DeliveryParams>,
) -> ApiResult<Json<DeliveryList>> {
    let limit = p.limit.unwrap_or(50).clamp(1, 200);
    let list = s.desk.webhook_deliveries(&a, WebhookId(id), p.before.map(DeliveryId), limit).await?;
    let next_before = (list.len() == limit as usize).then(|| list.last().map(|d| d.id)).flatten();
    Ok(Json(DeliveryList { deliveries: list.into_iter().map(DeliveryOut::from).collect(), next_before }))
}

/// One delivery with its attempts (admins).
#[utoipa::path(get, path = "/webhooks/{id}/deliveries/{delivery}", tag = "integrations",
    params(("id" = i64, Path), ("delivery" = i64, Path)),
    responses((status = 200, body = DeliveryOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_delivery(
    State(s): State<AppState>,
    Auth(a): Auth,
    Ids(id, delivery): Ids,
) -> ApiResult<Json<DeliveryOut>> {
    let (d, attempts) = s.desk.webhook_delivery(&a, WebhookId(id), DeliveryId(delivery)).await?;
    let mut out = DeliveryOut::from(d);
    out.attempt_log = Some(attempts.into_iter().map(AttemptOut::from).collect());
    Ok(Json(out))
}

/// Sends a delivery again, as a new delivery (admins).
#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery}/redeliver", tag = "integrations",
    params(("id" = i64, Path), ("delivery" = i64, Path)),
    responses((status = 202, body = DeliveryOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn redeliver(
    State(s): State<AppState>,
    Auth(a): Auth,
    Ids(id, delivery): Ids,
) -> ApiResult<(StatusCode, Json<DeliveryOut>)> {
    let d = s.desk.redeliver(&a, WebhookId(id), DeliveryId(delivery)).await?;
    Ok((StatusCode::ACCEPTED, Json(d.into())))
}

/// Validation hooks and panels (admins).
#[utoipa::path(get, path = "/hooks", tag = "integrations",
    responses((status = 200, body = HookList), (status = 403, body = ErrorBody)))]
pub async fn list_hooks(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Json<HookList>> {
    let list = s.desk.list_endpoints(&a).await?;
    Ok(Json(HookList { hooks: list.into_iter().map(|e| HookOut::new(e, None)).collect() }))
}

/// Creates a validation hook or panel (admins); the answer carries its secret, once.
#[utoipa::path(post, path = "/hooks", tag = "integrations", request_body = EndpointInput,
    responses((status = 201, body = HookOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_hook(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<EndpointInput>,
) -> ApiResult<(StatusCode, Json<HookOut>)> {
    let (e, secret) = s.desk.create_endpoint(&a, input).await?;
    Ok((StatusCode::CREATED, Json(HookOut::new(e, Some(secret)))))
}

/// One validation hook or panel (admins).
#[utoipa::path(get, path = "/hooks/{id}", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 200, body = HookOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_hook(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<HookOut>> {
    Ok(Json(HookOut::new(s.desk.endpoint(&a, HookId(id)).await?, None)))
}

/// Changes a validation hook or panel (admins).
#[utoipa::path(patch, path = "/hooks/{id}", tag = "integrations", request_body = EndpointInput, params(("id" = i64, Path)),
    responses((status = 200, body = HookOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_hook(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<EndpointInput>,
) -> ApiResult<Json<HookOut>> {
    let (e, secret) = s.desk.update_endpoint(&a, HookId(id), input).await?;
    Ok(Json(HookOut::new(e, secret)))
}

/// Removes a validation hook or panel (admins).
#[utoipa::path(delete, path = "/hooks/{id}", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_hook(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.desk.delete_endpoint(&a, HookId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Calls a validation hook or panel once with a test body and reports the
/// answer (admins).
#[utoipa::path(post, path = "/hooks/{id}/test", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 200, body = Probe), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn test_hook(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<Probe>> {
    Ok(Json(s.desk.test_endpoint(&a, HookId(id)).await?))
}
