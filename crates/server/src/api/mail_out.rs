//! Mail going out: what was sent about a ticket and what became of each
//! copy, the outgoing queue (admins), the suppression list, one's own
//! notification choices, and the templates (admins). See docs/email.md.

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tessera_core::ids::{DepartmentId, TicketId};
use tessera_desk::mail::outbound::{NotificationChoice, Template};
use tessera_store::{MailDeliveryId, MailDeliveryState, NotificationMode, OutboundDelivery, OutboundKind, Suppression};
use utoipa::{IntoParams, ToSchema};

/// The copies of mail sent about a ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    /// Oldest first (the outgoing queue: newest first).
    pub deliveries: Vec<OutboundDelivery>,
    /// Where the next page starts (`before`), when there may be one.
    pub next_before: Option<MailDeliveryId>,
}

/// The mail sent about a ticket, one entry per recipient's copy, with its
/// delivery state and the server's answer (agents who see the ticket).
#[utoipa::path(get, path = "/tickets/{id}/mail", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = DeliveryList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn ticket_mail(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<DeliveryList>> {
    Ok(Json(DeliveryList { deliveries: s.desk.mail_out_of_ticket(&a, TicketId(id)).await?, next_before: None }))
}

/// Which copies to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutgoingParams {
    /// Only those in this state (`deferred`, `failed`…).
    pub state: Option<MailDeliveryState>,
    /// Only those with ids below this (the previous page's `next_before`).
    pub before: Option<i64>,
    /// Page size (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The outgoing queue, newest first (admins).
#[utoipa::path(get, path = "/mail/outgoing", tag = "mail", params(OutgoingParams),
    responses((status = 200, body = DeliveryList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn list_outgoing(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<OutgoingParams>,
) -> ApiResult<Json<DeliveryList>> {
    let limit = p.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::bad_request("invalid_query", "limit is 1 to 200").with_field("limit"));
    }
    let deliveries = s.desk.outgoing_mail(&a, p.state, p.before.map(MailDeliveryId), limit).await?;
    let next_before = (deliveries.len() == limit as usize).then(|| deliveries.last().map(|d| d.id)).flatten();
    Ok(Json(DeliveryList { deliveries, next_before }))
}

/// Sends a copy again now (admins): after a failure's cause was fixed.
/// Refused while its address is on the suppression list.
#[utoipa::path(post, path = "/mail/outgoing/{id}/resend", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = OutboundDelivery), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn resend(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> ApiResult<Json<OutboundDelivery>> {
    Ok(Json(s.desk.resend_mail(&a, MailDeliveryId(id)).await?))
}

/// The suppression list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressionList {
    /// Addresses nothing is sent to, newest first.
    pub suppressions: Vec<Suppression>,
}

/// Addresses nothing is sent to since a permanent failure or a bounce
/// (agents).
#[utoipa::path(get, path = "/mail/suppressions", tag = "mail",
    responses((status = 200, body = SuppressionList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_suppressions(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Json<SuppressionList>> {
    Ok(Json(SuppressionList { suppressions: s.desk.suppressions(&a).await? }))
}

/// Takes an address off the suppression list (agents): mail to it goes again.
#[utoipa::path(delete, path = "/mail/suppressions/{address}", tag = "mail", params(("address" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn clear_suppression(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(address): Path<String>,
) -> ApiResult<StatusCode> {
    s.desk.clear_suppression(&a, &address).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How a kind of notification reaches someone (decision 48): `off`,
/// `immediate`, `digest`, or `default` (no choice of one's own: the
/// department's default for agents' kinds, else immediate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModeChoice {
    /// Not at all.
    Off,
    /// A mail of its own, at once.
    Immediate,
    /// A line in one digest mail a period.
    Digest,
    /// No choice of one's own: the default applies.
    Default,
}

impl ModeChoice {
    fn of(mode: Option<NotificationMode>) -> Self {
        match mode {
            None => Self::Default,
            Some(NotificationMode::Off) => Self::Off,
            Some(NotificationMode::Immediate) => Self::Immediate,
            Some(NotificationMode::Digest) => Self::Digest,
        }
    }

    fn mode(self) -> Option<NotificationMode> {
        match self {
            Self::Default => None,
            Self::Off => Some(NotificationMode::Off),
            Self::Immediate => Some(NotificationMode::Immediate),
            Self::Digest => Some(NotificationMode::Digest),
        }
    }
}

/// One's notification choices: each kind of mail one may choose, whether
/// it is on (the first form, kept for older clients) and its mode.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationChoices {
    /// Kind → on (not turned off). Sending `true` sets `immediate`, `false`
    /// sets `off`.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, bool>)]
    pub notifications: BTreeMap<OutboundKind, bool>,
    /// Kind → mode. Applied after `notifications`.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, ModeChoice>)]
    pub modes: BTreeMap<OutboundKind, ModeChoice>,
}

impl NotificationChoices {
    fn from(choices: Vec<NotificationChoice>) -> Self {
        Self {
            notifications: choices.iter().map(|c| (c.kind, c.on())).collect(),
            modes: choices.iter().map(|c| (c.kind, ModeChoice::of(c.mode))).collect(),
        }
    }

    /// The changes asked for, in order (`notifications`, then `modes`).
    fn changes(&self) -> Vec<NotificationChoice> {
        let on = self.notifications.iter().map(|(kind, on)| NotificationChoice {
            kind: *kind,
            mode: Some(if *on { NotificationMode::Immediate } else { NotificationMode::Off }),
        });
        on.chain(self.modes.iter().map(|(kind, m)| NotificationChoice { kind: *kind, mode: m.mode() })).collect()
    }
}

/// One's own notification choices (agents see the agents' kinds,
/// customers the customers').
#[utoipa::path(get, path = "/me/notifications", tag = "users",
    responses((status = 200, body = NotificationChoices), (status = 401, body = ErrorBody)))]
pub async fn my_notifications(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Json<NotificationChoices>> {
    Ok(Json(NotificationChoices::from(s.desk.notification_modes(&a).await?)))
}

/// Sets how kinds of mail reach oneself (on/off, or a mode); all or,
/// when one kind is not one's to choose, none. Answers all choices.
#[utoipa::path(patch, path = "/me/notifications", tag = "users", request_body = NotificationChoices,
    responses((status = 200, body = NotificationChoices), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_my_notifications(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<NotificationChoices>,
) -> ApiResult<Json<NotificationChoices>> {
    s.desk.set_notification_modes(&a, &input.changes()).await?;
    my_notifications(State(s), Auth(a)).await
}

/// A department's default modes of the agents' kinds for its agents.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentNotifications {
    /// Kind → mode (`default`: none set, immediate).
    #[schema(value_type = BTreeMap<String, ModeChoice>)]
    pub modes: BTreeMap<OutboundKind, ModeChoice>,
}

/// A department's default modes of the agents' kinds (admins): an agent's
/// own choice wins; without one, the default of the ticket's department;
/// without that, immediate.
#[utoipa::path(get, path = "/departments/{id}/notifications", tag = "departments", params(("id" = i64, Path)),
    responses((status = 200, body = DepartmentNotifications), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn department_notifications(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
) -> ApiResult<Json<DepartmentNotifications>> {
    let choices = s.desk.department_notification_defaults(&a, DepartmentId(id)).await?;
    Ok(Json(DepartmentNotifications { modes: choices.iter().map(|c| (c.kind, ModeChoice::of(c.mode))).collect() }))
}

/// Sets a department's default modes (admins): the kinds named, all or
/// none; `default` removes one. Answers all of them.
#[utoipa::path(patch, path = "/departments/{id}/notifications", tag = "departments", params(("id" = i64, Path)),
    request_body = DepartmentNotifications,
    responses((status = 200, body = DepartmentNotifications), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_department_notifications(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<DepartmentNotifications>,
) -> ApiResult<Json<DepartmentNotifications>> {
    let changes: Vec<NotificationChoice> =
        input.modes.iter().map(|(kind, m)| NotificationChoice { kind: *kind, mode: m.mode() }).collect();
    s.desk.set_department_notification_defaults(&a, DepartmentId(id), &changes).await?;
    department_notifications(State(s), Auth(a), Id(id)).await
}

/// A template: a subject and a plain-text body with placeholders.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateIn {
    /// The subject (the ticket tag is added).
    pub subject: String,
    /// The body.
    pub body: String,
}

/// A template as it is used.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateOut {
    /// The kind of mail.
    pub kind: OutboundKind,
    /// The language.
    pub language: String,
    /// The subject.
    pub subject: String,
    /// The body.
    pub body: String,
    /// Whether an admin changed it (false: the built-in one).
    pub custom: bool,
}

/// Every template.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    /// Each kind in each language.
    pub templates: Vec<TemplateOut>,
}

/// Every mail template, each kind in each language (admins).
#[utoipa::path(get, path = "/mail/templates", tag = "mail",
    responses((status = 200, body = TemplateList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_templates(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Json<TemplateList>> {
    let templates = s
        .desk
        .mail_templates(&a)
        .await?
        .into_iter()
        .map(|(kind, language, t, custom)| TemplateOut { kind, language, subject: t.subject, body: t.body, custom })
        .collect();
    Ok(Json(TemplateList { templates }))
}

fn kind_of(kind: &str) -> ApiResult<OutboundKind> {
    OutboundKind::parse(kind).ok_or_else(|| ApiError::not_found("template"))
}

/// Saves an admin's version of a template (admins). An unknown placeholder
/// or a syntax error is refused with its place.
#[utoipa::path(put, path = "/mail/templates/{kind}/{language}", tag = "mail",
    params(("kind" = String, Path), ("language" = String, Path)), request_body = TemplateIn,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_template(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((kind, language)): Path<(String, String)>,
    ApiJson(input): ApiJson<TemplateIn>,
) -> ApiResult<StatusCode> {
    let t = Template { subject: input.subject, body: input.body };
    s.desk.save_mail_template(&a, kind_of(&kind)?, &language, t).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Puts the built-in template back (admins).
#[utoipa::path(delete, path = "/mail/templates/{kind}/{language}", tag = "mail",
    params(("kind" = String, Path), ("language" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset_template(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((kind, language)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.desk.reset_mail_template(&a, kind_of(&kind)?, &language).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What to preview.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewIn {
    /// The subject to try.
    pub subject: String,
    /// The body to try.
    pub body: String,
    /// A ticket to fill the placeholders from (else sample values).
    pub ticket_id: Option<i64>,
    /// The template's language (`en`, `tr`, `zh`, `ru`; English without
    /// one): the `plural` filter counts by its rules.
    pub language: Option<String>,
}

/// A rendered preview.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOut {
    /// The subject.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Renders a template (saved or not) on a real ticket or on sample values
/// (admins): the editor's preview.
#[utoipa::path(post, path = "/mail/templates/{kind}/preview", tag = "mail", params(("kind" = String, Path)),
    request_body = PreviewIn,
    responses((status = 200, body = PreviewOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn preview_template(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(kind): Path<String>,
    ApiJson(input): ApiJson<PreviewIn>,
) -> ApiResult<Json<PreviewOut>> {
    let t = Template { subject: input.subject, body: input.body };
    let ticket = input.ticket_id.map(TicketId);
    let r = s.desk.preview_mail_template(&a, kind_of(&kind)?, &t, ticket, input.language.as_deref()).await?;
    Ok(Json(PreviewOut { subject: r.subject, text: r.text, html: r.html }))
}
