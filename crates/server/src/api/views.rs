//! Views: saved ticket queries with exact counts (seed 004, after
//! Zendesk's Views API).

use super::dto::TicketOut;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_core::ids::*;
use tessera_core::view::{Conditions, ViewSort};
use tessera_desk::views::{ViewCursor, ViewInput};
use tessera_store::{Cursor, ViewRecord};
use utoipa::{IntoParams, ToSchema};

/// A view.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewOut {
    /// Id.
    pub id: ViewId,
    /// Title.
    pub title: String,
    /// What it is for.
    pub description: String,
    /// Only its owner sees it.
    pub personal: bool,
    /// The owner of a personal view.
    pub owner_id: Option<UserId>,
    /// A shared view limited to these departments; empty: everyone.
    pub department_ids: Vec<DepartmentId>,
    /// Shown in the console's list.
    pub active: bool,
    /// Place in the list.
    pub position: i64,
    /// Which tickets.
    pub conditions: Conditions,
    /// Columns shown.
    pub columns: Vec<String>,
    /// Order.
    pub sort: ViewSort,
    /// The installed default view this is, if any.
    pub default_key: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<ViewRecord> for ViewOut {
    fn from(v: ViewRecord) -> Self {
        Self {
            id: v.id,
            title: v.title,
            description: v.description,
            personal: v.owner_id.is_some(),
            owner_id: v.owner_id,
            department_ids: v.department_ids,
            active: v.active,
            position: v.position,
            conditions: v.conditions,
            columns: v.columns,
            sort: v.sort,
            default_key: v.default_key,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// Views.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewList {
    /// In position order.
    pub views: Vec<ViewOut>,
}

/// A page of a view's tickets.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewTickets {
    /// The view.
    pub view_id: ViewId,
    /// The tickets.
    pub tickets: Vec<TicketOut>,
    /// The exact number of tickets in the view.
    pub total: u64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A view's count.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewCount {
    /// The view.
    pub view_id: ViewId,
    /// The exact number of its tickets the caller may see.
    pub count: u64,
}

/// Counts of several views.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewCounts {
    /// In the order asked.
    pub counts: Vec<ViewCount>,
}

/// View list filter.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ViewListParams {
    /// Only active views.
    active: Option<bool>,
}

/// Paging of a view's tickets.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ViewTicketParams {
    /// From a previous page's `next_cursor`.
    cursor: Option<String>,
    /// Page size (1–100, default 25).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Which views to count.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CountManyParams {
    /// Comma-separated view ids (at most 100).
    ids: String,
}

/// A new order of views.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderInput {
    /// View ids, first first.
    pub ids: Vec<ViewId>,
}

fn encode(c: ViewCursor) -> String {
    let raw = match c {
        ViewCursor::After(c) => format!("k:{}:{}", c.value, c.id.0),
        ViewCursor::Offset(o) => format!("o:{o}"),
    };
    URL_SAFE_NO_PAD.encode(raw)
}

fn decode(s: &str) -> Option<ViewCursor> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
    let mut parts = text.split(':');
    match parts.next()? {
        "k" => {
            let value = parts.next()?.parse().ok()?;
            let id = parts.next()?.parse().ok()?;
            Some(ViewCursor::After(Cursor { value, id: TicketId(id) }))
        }
        "o" => Some(ViewCursor::Offset(parts.next()?.parse().ok()?)),
        _ => None,
    }
}

/// The views the caller may use (agents and admins).
#[utoipa::path(get, path = "/views", tag = "views", params(ViewListParams),
    responses((status = 200, body = ViewList), (status = 403, body = ErrorBody)))]
pub async fn list_views(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<ViewListParams>,
) -> ApiResult<Json<ViewList>> {
    let views = s.desk.list_views(&a, p.active.unwrap_or(false)).await?;
    Ok(Json(ViewList { views: views.into_iter().map(ViewOut::from).collect() }))
}

/// Creates a view: personal for agents; shared (or personal) for admins.
#[utoipa::path(post, path = "/views", tag = "views", request_body = ViewInput,
    responses((status = 201, body = ViewOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_view(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<ViewInput>,
) -> ApiResult<(StatusCode, Json<ViewOut>)> {
    Ok((StatusCode::CREATED, Json(s.desk.create_view(&a, input).await?.into())))
}

/// One view.
#[utoipa::path(get, path = "/views/{id}", tag = "views", params(("id" = i64, Path)),
    responses((status = 200, body = ViewOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_view(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<ViewOut>> {
    Ok(Json(s.desk.view(&a, ViewId(id)).await?.into()))
}

/// Changes a view (its owner; shared views: admins). Sending `conditions`
/// replaces them whole.
#[utoipa::path(patch, path = "/views/{id}", tag = "views", request_body = ViewInput, params(("id" = i64, Path)),
    responses((status = 200, body = ViewOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_view(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ViewInput>,
) -> ApiResult<Json<ViewOut>> {
    Ok(Json(s.desk.update_view(&a, ViewId(id), input).await?.into()))
}

/// Removes a view.
#[utoipa::path(delete, path = "/views/{id}", tag = "views", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_view(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.desk.delete_view(&a, ViewId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs a view: a page of its tickets (as the caller may see them) and the
/// exact total.
#[utoipa::path(get, path = "/views/{id}/tickets", tag = "views", params(("id" = i64, Path), ViewTicketParams),
    responses((status = 200, body = ViewTickets), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn view_tickets(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiQuery(p): ApiQuery<ViewTicketParams>,
) -> ApiResult<Json<ViewTickets>> {
    // An empty cursor is the first page, as in the ticket list.
    let cursor = match p.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(decode(c).ok_or_else(|| ApiError::bad_request("invalid_cursor", "the cursor is not valid"))?),
        None => None,
    };
    if p.limit.is_some_and(|n| !(1..=100).contains(&n)) {
        return Err(ApiError::bad_request("invalid_query", "limit is 1 to 100").with_field("limit"));
    }
    let page = s.desk.view_tickets(&a, ViewId(id), cursor, p.limit).await?;
    Ok(Json(ViewTickets {
        view_id: page.view.id,
        tickets: TicketOut::list(&s.desk, &a, page.tickets).await?,
        total: page.total,
        next_cursor: page.next.map(encode),
    }))
}

/// The exact number of a view's tickets the caller may see.
#[utoipa::path(get, path = "/views/{id}/count", tag = "views", params(("id" = i64, Path)),
    responses((status = 200, body = ViewCount), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn view_count(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<ViewCount>> {
    Ok(Json(ViewCount { view_id: ViewId(id), count: s.desk.view_count(&a, ViewId(id)).await? }))
}

/// Exact counts of several views in one call (`?ids=1,2,3`).
#[utoipa::path(get, path = "/views/count_many", tag = "views", params(CountManyParams),
    responses((status = 200, body = ViewCounts), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn count_many(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<CountManyParams>,
) -> ApiResult<Json<ViewCounts>> {
    let mut ids = Vec::new();
    for part in p.ids.split(',').map(str::trim).filter(|x| !x.is_empty()) {
        let id = part
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::bad_request("invalid_query", format!("{part:?} is not a view id")))?;
        ids.push(ViewId(id));
    }
    let counts = s.desk.count_views(&a, &ids).await?;
    Ok(Json(ViewCounts { counts: counts.into_iter().map(|(view_id, count)| ViewCount { view_id, count }).collect() }))
}

/// Puts views in a new order (the caller's own views; admins also shared
/// ones). Views not listed keep their order after the listed ones.
#[utoipa::path(post, path = "/views/reorder", tag = "views", request_body = ReorderInput,
    responses((status = 200, body = ViewList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reorder_views(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<ReorderInput>,
) -> ApiResult<Json<ViewList>> {
    let views = s.desk.reorder_views(&a, &input.ids).await?;
    Ok(Json(ViewList { views: views.into_iter().map(ViewOut::from).collect() }))
}
