//! Webhooks (`/admin/webhooks`): the list with a form to add one, a
//! webhook's page with its settings and delivery log, a delivery's attempts,
//! test sends and redelivery.
//!
//! Admins only, like the rest of `/admin`. Every change goes through the
//! desk; a refused change shows the form again (422) with what was typed
//! (never a secret) and the message next to its field; a change that went
//! through redirects (303) with a `?done=` confirmation — except when a
//! secret was just set: that page is answered directly, so the secret is
//! shown once and never again.

use super::common::{DoneQuery, Nav, notice, require_admin};
use super::integrations::{
    CheckBox, Issued, form_errors, format_choices, format_label, nav, number, on_off, secret_of, status_of, url_of,
};
use crate::WebState;
use crate::forms::Form;
use crate::i18n::I18n;
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::Stamp;
use crate::view::choice::Choice;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use tessera_core::EventKind;
use tessera_core::ids::{DeliveryId, WebhookId};
use tessera_desk::DeskError;
use tessera_desk::hooks::WebhookInput;
use tessera_store::{Attempt, Delivery, DeliveryState, Webhook};

/// `?done=` and `?before=` (paging of the delivery log).
#[derive(Debug, Default, Deserialize)]
pub struct WebhookQuery {
    done: Option<String>,
    /// Deliveries older than this one.
    before: Option<String>,
}

/// Deliveries per page of a webhook's log.
const DELIVERIES_PER_PAGE: u32 = 50;

fn side_label(i: &I18n, side: &str) -> String {
    match side {
        "customer" => i.t("admin.webhooks.side_customer"),
        "agent" => i.t("admin.webhooks.side_agent"),
        _ => i.t("admin.webhooks.side_system"),
    }
    .to_string()
}

const SIDES: [&str; 3] = ["customer", "agent", "system"];

fn kind_boxes(checked: &[String]) -> Vec<CheckBox> {
    EventKind::ALL
        .iter()
        .map(|k| CheckBox {
            value: k.as_str().to_string(),
            label: k.as_str().to_string(),
            checked: checked.iter().any(|c| c == k.as_str()),
        })
        .collect()
}

fn side_boxes(i: &I18n, checked: &[String]) -> Vec<CheckBox> {
    SIDES
        .iter()
        .map(|s| CheckBox { value: (*s).to_string(), label: side_label(i, s), checked: checked.iter().any(|c| c == s) })
        .collect()
}

/// "All events", or the kinds (the first three and how many more).
fn kinds_summary(i: &I18n, kinds: &[EventKind]) -> String {
    if kinds.is_empty() {
        return i.t("admin.webhooks.all_kinds").to_string();
    }
    let shown: Vec<&str> = kinds.iter().take(3).map(|k| k.as_str()).collect();
    let mut out = shown.join(", ");
    if kinds.len() > 3 {
        out.push(' ');
        out.push_str(&i.t1("admin.webhooks.and_more", kinds.len() - 3));
    }
    out
}

fn sides_summary(i: &I18n, sides: &[tessera_core::Side]) -> String {
    if sides.is_empty() {
        return i.t("admin.webhooks.all_sides").to_string();
    }
    sides.iter().map(|s| side_label(i, s.as_str())).collect::<Vec<_>>().join(", ")
}

/// What a webhook form shows (never the secret).
#[derive(Debug, Clone, Default)]
pub struct WebhookValues {
    /// Where to POST.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// Event kinds ticked (none: all).
    pub kinds: Vec<String>,
    /// Sides ticked (none: all).
    pub sides: Vec<String>,
    /// `native` or `wisecp`.
    pub format: String,
    /// Failed attempts in a row before it is switched off.
    pub failure_limit: String,
    /// On.
    pub active: bool,
}

impl WebhookValues {
    fn blank() -> Self {
        Self { format: "native".into(), failure_limit: "10".into(), active: true, ..Self::default() }
    }

    fn of(w: &Webhook) -> Self {
        Self {
            url: w.url.clone(),
            description: w.description.clone(),
            kinds: w.kinds.iter().map(|k| k.as_str().to_string()).collect(),
            sides: w.sides.iter().map(|s| s.as_str().to_string()).collect(),
            format: w.format.as_str().into(),
            failure_limit: w.failure_limit.to_string(),
            active: w.active,
        }
    }

    fn from_form(f: &Form) -> Self {
        let s = |n: &str| f.get(n).unwrap_or_default().to_string();
        let all = |n: &str| f.all(n).into_iter().map(str::to_string).collect();
        Self {
            url: s("url"),
            description: s("description"),
            kinds: all("kinds"),
            sides: all("sides"),
            format: s("format"),
            failure_limit: s("failure_limit"),
            active: f.checked("active"),
        }
    }
}

fn webhook_input(f: &Form) -> Result<WebhookInput, DeskError> {
    let list = |n: &str| f.all(n).into_iter().map(str::to_string).collect::<Vec<_>>();
    Ok(WebhookInput {
        url: Some(url_of(f)?),
        description: Some(f.get("description").unwrap_or_default().to_string()),
        kinds: Some(list("kinds")),
        sides: Some(list("sides")),
        format: f.text("format"),
        secret: secret_of(f, "whsec_")?,
        active: Some(f.checked("active")),
        failure_limit: number(f, "failure_limit")?,
    })
}

/// A webhook as a row of the list.
#[derive(Debug, Clone)]
pub struct WebhookRow {
    /// Id.
    pub id: i64,
    /// Where it POSTs.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// Format label.
    pub format: String,
    /// The kinds it wants, in short.
    pub kinds: String,
    /// On.
    pub active: bool,
    /// "On" or "Off".
    pub active_label: String,
    /// Failed attempts in a row.
    pub failures: u32,
    /// Why it was switched off.
    pub disabled_reason: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_webhooks.html")]
struct WebhooksPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    rows: Vec<WebhookRow>,
    form: WebhookValues,
    kinds: Vec<CheckBox>,
    sides: Vec<CheckBox>,
    formats: Vec<Choice>,
    errors: FormErrors,
}

async fn render_webhooks(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    form: WebhookValues,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", "/admin/webhooks");
    let i = page.i;
    let rows = state
        .desk
        .list_webhooks(&s.actor)
        .await?
        .into_iter()
        .map(|w| WebhookRow {
            id: w.id.0,
            format: format_label(&i, w.format),
            kinds: kinds_summary(&i, &w.kinds),
            active_label: on_off(&i, w.active),
            active: w.active,
            failures: w.consecutive_failures,
            disabled_reason: w.disabled_reason,
            url: w.url,
            description: w.description,
        })
        .collect();
    html_status(
        status_of(&errors),
        &WebhooksPage {
            nav: nav(true),
            notice,
            rows,
            kinds: kind_boxes(&form.kinds),
            sides: side_boxes(&i, &form.sides),
            formats: format_choices(&i, &form.format),
            form,
            errors,
            page,
        },
    )
}

/// The webhooks and a form for a new one.
pub async fn webhooks(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("deleted", "admin.webhooks.deleted")]);
    render_webhooks(&state, &headers, &s, WebhookValues::blank(), FormErrors::default(), notice).await
}

/// Creates a webhook and shows it with its secret, once.
pub async fn create_webhook(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let result = match webhook_input(&form) {
        Ok(input) => state.desk.create_webhook(&s.actor, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => {
            let issued = v.secret.map(|secret| Issued { secret });
            let notice = Some(i.t("admin.webhooks.created").to_string());
            let shown = WebhookShown { issued, notice, ..WebhookShown::default() };
            render_webhook(&state, &headers, &s, v.webhook.id, shown).await
        }
        Err(e) => {
            let errors = form_errors(&i, e)?;
            render_webhooks(&state, &headers, &s, WebhookValues::from_form(&form), errors, None).await
        }
    }
}

/// A delivery as a row of the log.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    /// Id.
    pub id: i64,
    /// Queued at.
    pub created: Stamp,
    /// Event kind or WiseCP hook name.
    pub name: String,
    /// `pending`, `delivered`, `failed`.
    pub state: &'static str,
    /// Its label.
    pub state_label: String,
    /// Attempts so far.
    pub attempts: u32,
    /// The last answer's status.
    pub last_status: Option<u16>,
    /// The last error.
    pub last_error: Option<String>,
    /// The delivery it repeats.
    pub redelivery_of: Option<i64>,
}

fn state_label(i: &I18n, s: DeliveryState) -> String {
    match s {
        DeliveryState::Pending => i.t("admin.deliveries.pending"),
        DeliveryState::Delivered => i.t("admin.deliveries.delivered"),
        DeliveryState::Failed => i.t("admin.deliveries.failed"),
    }
    .to_string()
}

fn delivery_row(i: &I18n, d: Delivery) -> DeliveryRow {
    DeliveryRow {
        id: d.id.0,
        created: Stamp::of(d.created_at),
        name: d.name,
        state: d.state.as_str(),
        state_label: state_label(i, d.state),
        attempts: d.attempts,
        last_status: d.last_status,
        last_error: d.last_error,
        redelivery_of: d.redelivery_of.map(|r| r.0),
    }
}

/// What a webhook page shows besides the webhook.
#[derive(Debug, Default)]
struct WebhookShown {
    form: Option<WebhookValues>,
    errors: FormErrors,
    notice: Option<String>,
    issued: Option<Issued>,
    before: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin_webhook.html")]
struct WebhookPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    id: i64,
    title: String,
    issued: Option<Issued>,
    created: Stamp,
    active: bool,
    failures: u32,
    disabled_reason: Option<String>,
    sides_summary: String,
    form: WebhookValues,
    kinds: Vec<CheckBox>,
    sides: Vec<CheckBox>,
    formats: Vec<Choice>,
    errors: FormErrors,
    deliveries: Vec<DeliveryRow>,
    newest: Option<String>,
    older: Option<String>,
}

async fn render_webhook(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    id: WebhookId,
    shown: WebhookShown,
) -> Result<Response, WebError> {
    let here = match shown.before {
        Some(b) => format!("/admin/webhooks/{id}?before={b}"),
        None => format!("/admin/webhooks/{id}"),
    };
    let page = Page::new(state, headers, Some(s), "admin", &here);
    let i = page.i;
    let w = state.desk.webhook(&s.actor, id).await?;
    let mut log =
        state.desk.webhook_deliveries(&s.actor, id, shown.before.map(DeliveryId), DELIVERIES_PER_PAGE + 1).await?;
    let older = if log.len() > DELIVERIES_PER_PAGE as usize {
        log.truncate(DELIVERIES_PER_PAGE as usize);
        log.last().map(|d| format!("/admin/webhooks/{id}?before={}#deliveries", d.id))
    } else {
        None
    };
    let newest = shown.before.map(|_| format!("/admin/webhooks/{id}#deliveries"));
    let form = shown.form.unwrap_or_else(|| WebhookValues::of(&w));
    html_status(
        status_of(&shown.errors),
        &WebhookPage {
            nav: nav(false),
            notice: shown.notice,
            id: id.0,
            title: w.url.clone(),
            issued: shown.issued,
            created: Stamp::of(w.created_at),
            active: w.active,
            failures: w.consecutive_failures,
            disabled_reason: w.disabled_reason.clone(),
            sides_summary: sides_summary(&i, &w.sides),
            kinds: kind_boxes(&form.kinds),
            sides: side_boxes(&i, &form.sides),
            formats: format_choices(&i, &form.format),
            form,
            errors: shown.errors,
            deliveries: log.into_iter().map(|d| delivery_row(&i, d)).collect(),
            newest,
            older,
            page,
        },
    )
}

/// A webhook's settings and its delivery log (`?before=` pages back).
pub async fn webhook(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<WebhookQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice =
        notice(&i, q.done.as_deref(), &[("saved", "done.saved"), ("test_queued", "admin.webhooks.test_queued")]);
    let before = q.before.as_deref().and_then(|b| b.trim().parse::<i64>().ok()).filter(|b| *b > 0);
    render_webhook(&state, &headers, &s, WebhookId(id), WebhookShown { notice, before, ..WebhookShown::default() })
        .await
}

/// Saves a webhook; a new secret is shown once.
pub async fn update_webhook(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let result = match webhook_input(&form) {
        Ok(input) => state.desk.update_webhook(&s.actor, WebhookId(id), input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => match v.secret {
            Some(secret) => {
                let notice = Some(i.t("admin.integrations.secret_changed").to_string());
                let shown = WebhookShown { issued: Some(Issued { secret }), notice, ..WebhookShown::default() };
                render_webhook(&state, &headers, &s, WebhookId(id), shown).await
            }
            None => Ok(see_other(&format!("/admin/webhooks/{id}?done=saved"))),
        },
        Err(e) => {
            let errors = form_errors(&i, e)?;
            let shown = WebhookShown { form: Some(WebhookValues::from_form(&form)), errors, ..WebhookShown::default() };
            render_webhook(&state, &headers, &s, WebhookId(id), shown).await
        }
    }
}

/// Removes a webhook and its log.
pub async fn delete_webhook(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    state.desk.delete_webhook(&s.actor, WebhookId(id)).await?;
    Ok(see_other("/admin/webhooks?done=deleted"))
}

/// Queues a `webhook.test` delivery, then back to the webhook's log.
pub async fn test_webhook(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    state.desk.test_webhook(&s.actor, WebhookId(id)).await?;
    Ok(see_other(&format!("/admin/webhooks/{id}?done=test_queued#deliveries")))
}

/// An attempt as a row.
#[derive(Debug, Clone)]
pub struct AttemptRow {
    /// 1 for the first.
    pub number: u32,
    /// When.
    pub at: Stamp,
    /// The answer's status.
    pub status: Option<u16>,
    /// How long it took.
    pub latency_ms: u32,
    /// The start of the answer.
    pub response: String,
    /// What went wrong.
    pub error: Option<String>,
}

impl AttemptRow {
    fn of(a: Attempt) -> Self {
        Self {
            number: a.attempt,
            at: Stamp::of(a.at),
            status: a.status,
            latency_ms: a.latency_ms,
            response: a.response,
            error: a.error,
        }
    }
}

#[derive(Template)]
#[template(path = "admin_delivery.html")]
struct DeliveryPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    webhook_id: i64,
    webhook_url: String,
    d: DeliveryRow,
    next_attempt: Option<Stamp>,
    finished: Option<Stamp>,
    attempts: Vec<AttemptRow>,
}

/// One delivery with its attempts.
pub async fn delivery(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path((id, delivery)): Path<(i64, i64)>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let page = Page::new(&state, &headers, Some(&s), "admin", &format!("/admin/webhooks/{id}/deliveries/{delivery}"));
    let i = page.i;
    let notice = notice(&i, q.done.as_deref(), &[("redelivered", "admin.deliveries.redelivered")]);
    let w = state.desk.webhook(&s.actor, WebhookId(id)).await?;
    let (d, attempts) = state.desk.webhook_delivery(&s.actor, WebhookId(id), DeliveryId(delivery)).await?;
    let next_attempt = (d.state == DeliveryState::Pending).then(|| Stamp::of(d.next_attempt_at));
    let finished = d.finished_at.map(Stamp::of);
    crate::page::html(&DeliveryPage {
        nav: nav(false),
        notice,
        webhook_id: id,
        webhook_url: w.url,
        d: delivery_row(&i, d),
        next_attempt,
        finished,
        attempts: attempts.into_iter().map(AttemptRow::of).collect(),
        page,
    })
}

/// Sends a delivery again (as a new delivery), then shows the new one.
pub async fn redeliver(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path((id, delivery)): Path<(i64, i64)>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let again = state.desk.redeliver(&s.actor, WebhookId(id), DeliveryId(delivery)).await?;
    Ok(see_other(&format!("/admin/webhooks/{id}/deliveries/{}?done=redelivered", again.id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        Form { pairs: pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect(), files: Vec::new() }
    }

    #[test]
    fn a_webhook_form_reads_its_boxes_and_keeps_an_empty_secret_unset() {
        let f = form(&[
            ("url", " https://hooks.example.com/in "),
            ("kinds", "ticket.created"),
            ("kinds", "ticket.replied"),
            ("format", "wisecp"),
            ("secret", "   "),
            ("failure_limit", ""),
            ("active", "on"),
        ]);
        let input = webhook_input(&f).unwrap();
        assert_eq!(input.url.as_deref(), Some("https://hooks.example.com/in"));
        assert_eq!(input.kinds, Some(vec!["ticket.created".to_string(), "ticket.replied".to_string()]));
        assert_eq!(input.sides, Some(vec![]), "no side ticked: all of them");
        assert_eq!(input.secret, None);
        assert_eq!(input.failure_limit, None);
        assert_eq!(input.active, Some(true));
    }

    #[test]
    fn a_new_secret_is_made_when_asked_for() {
        let f = form(&[("url", "https://x.example"), ("secret", "typed-secret"), ("new_secret", "on")]);
        let s = webhook_input(&f).unwrap().secret.unwrap();
        assert!(s.starts_with("whsec_") && s.len() == 6 + 48, "{s}");
    }

    #[test]
    fn bad_numbers_and_missing_urls_are_the_forms_errors() {
        let e = webhook_input(&form(&[("url", "https://x.example"), ("failure_limit", "ten")])).unwrap_err();
        assert_eq!((e.field(), e.code()), (Some("failure_limit"), "invalid_type"));
        let e = webhook_input(&form(&[("url", "  ")])).unwrap_err();
        assert_eq!((e.field(), e.code()), (Some("url"), "required"));
    }
}
