//! The integrations screens of the admin settings: webhooks with their
//! delivery logs (`/admin/webhooks`), and validation hooks and panels
//! (`/admin/hooks`).
//!
//! Admins only, like the rest of `/admin`. Every change goes through the
//! desk; a refused change shows the form again (422) with what was typed
//! (never a secret) and the message next to its field; a change that went
//! through redirects (303) with a `?done=` confirmation — except when a
//! secret was just set: that page is answered directly, so the secret is
//! shown once and never again.

use crate::WebState;
use crate::admin::Nav;
use crate::forms::Form;
use crate::i18n::I18n;
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::Stamp;
use crate::view::choice::{Choice, choices};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use tessera_core::EventKind;
use tessera_core::ids::{DeliveryId, HookId, WebhookId};
use tessera_desk::DeskError;
use tessera_desk::hooks::{EndpointInput, PANEL_PLACES, Probe, ValidationPoint, WebhookInput};
use tessera_store::{Attempt, Delivery, DeliveryState, EndpointKind, HookEndpoint, HookFormat, OnFailure, Webhook};

/// The integrations routes.
pub fn routes() -> Vec<crate::Route> {
    vec![
        crate::get("/admin/webhooks", webhooks),
        crate::post("/admin/webhooks", create_webhook),
        crate::get("/admin/webhooks/{id}", webhook),
        crate::post("/admin/webhooks/{id}", update_webhook),
        crate::post("/admin/webhooks/{id}/delete", delete_webhook),
        crate::post("/admin/webhooks/{id}/test", test_webhook),
        crate::get("/admin/webhooks/{id}/deliveries/{delivery}", delivery),
        crate::post("/admin/webhooks/{id}/deliveries/{delivery}/redeliver", redeliver),
        crate::get("/admin/hooks", hooks),
        crate::post("/admin/hooks", create_hook),
        crate::get("/admin/hooks/{id}", hook),
        crate::post("/admin/hooks/{id}", update_hook),
        crate::post("/admin/hooks/{id}/delete", delete_hook),
        crate::post("/admin/hooks/{id}/test", test_hook),
    ]
}

/// Deliveries per page of a webhook's log.
const DELIVERIES_PER_PAGE: u32 = 50;

// ---- what the pages share -----------------------------------------------------------------------

fn require_admin(s: &SignedIn) -> Result<(), WebError> {
    if s.actor.is_admin() && !s.is_guest() { Ok(()) } else { Err(WebError::Forbidden) }
}

/// The integrations entry of the admin navigation: `page` on the webhook
/// list it links to, `location` anywhere else below it.
fn nav(on_its_page: bool) -> Nav {
    Nav { section: "integrations", aria: if on_its_page { "page" } else { "location" } }
}

/// `?done=` after a change.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `?done=` and `?before=` (paging of the delivery log).
#[derive(Debug, Default, Deserialize)]
pub struct WebhookQuery {
    done: Option<String>,
    /// Deliveries older than this one.
    before: Option<String>,
}

/// The confirmation for `done`, if it is one of `known` (value, catalog key).
fn notice(i: &I18n, done: Option<&str>, known: &[(&str, &'static str)]) -> Option<String> {
    let done = done?;
    known.iter().find(|(k, _)| *k == done).map(|(_, key)| i.t(key).to_string())
}

/// A wrong value the form itself found, worded by the catalog like the
/// desk's own.
fn invalid(field: &str, code: &'static str) -> DeskError {
    DeskError::invalid(field, code, format!("{field}: {code}"))
}

/// The messages of a refused change, by field; errors that are not the
/// form's fault become error pages.
fn form_errors(i: &I18n, e: DeskError) -> Result<FormErrors, WebError> {
    match e {
        DeskError::Internal(_)
        | DeskError::Unavailable(_)
        | DeskError::NotFound { .. }
        | DeskError::Unauthenticated => return Err(e.into()),
        DeskError::Forbidden { field: None, .. } => return Err(WebError::Forbidden),
        _ => {}
    }
    let special = match (e.field(), e.code()) {
        // The desk says why (a scheme, a host that does not resolve, an
        // internal address); its words follow ours.
        (Some("url"), "invalid_url") => Some(("url", i.t1("admin.integrations.bad_url", &e))),
        (Some("secret"), _) => Some(("secret", i.t("admin.integrations.secret_rule").to_string())),
        (Some("failure_limit"), "out_of_range") => {
            Some(("failure_limit", i.t("admin.webhooks.failure_limit_range").to_string()))
        }
        (Some("timeout_ms"), "out_of_range") => Some(("timeout_ms", i.t("admin.hooks.timeout_range").to_string())),
        (Some("name"), "invalid_option") => Some(("name", i.t("admin.hooks.name_mismatch").to_string())),
        (None, "unavailable") => Some(("_", i.t("admin.hooks.unavailable").to_string())),
        _ => None,
    };
    Ok(match special {
        Some((field, message)) => {
            let mut f = FormErrors::default();
            f.add(field, message);
            f
        }
        None => FormErrors::from_desk(i, &e),
    })
}

/// 422 when the form has errors, else 200.
fn status_of(errors: &FormErrors) -> StatusCode {
    if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK }
}

/// A checkbox of a list of them.
#[derive(Debug, Clone)]
pub struct CheckBox {
    /// Value sent.
    pub value: String,
    /// Label.
    pub label: String,
    /// Ticked.
    pub checked: bool,
}

/// A field holding text the form reads as a number: empty is `None`.
fn number<T: std::str::FromStr>(f: &Form, field: &str) -> Result<Option<T>, DeskError> {
    match f.get(field).map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| invalid(field, "invalid_type")),
    }
}

/// The URL field: required on every save.
fn url_of(f: &Form) -> Result<String, DeskError> {
    f.text("url").ok_or_else(|| invalid("url", "required"))
}

/// The secret a form sets: a random one when "make a new one" is ticked,
/// else what was typed (as typed), else none.
fn secret_of(f: &Form, prefix: &str) -> Result<Option<String>, DeskError> {
    if f.checked("new_secret") {
        return Ok(Some(format!("{prefix}{}", tessera_desk::random::hex_token::<24>()?)));
    }
    Ok(f.get("secret").filter(|s| !s.trim().is_empty()).map(str::to_string))
}

fn format_label(i: &I18n, f: HookFormat) -> String {
    match f {
        HookFormat::Native => i.t("admin.integrations.format_native"),
        HookFormat::Wisecp => i.t("admin.integrations.format_wisecp"),
    }
    .to_string()
}

fn format_choices(i: &I18n, selected: &str) -> Vec<Choice> {
    choices([HookFormat::Native, HookFormat::Wisecp].map(|f| (f.as_str().to_string(), format_label(i, f))), selected)
}

fn on_off(i: &I18n, active: bool) -> String {
    i.t(if active { "admin.integrations.on" } else { "admin.integrations.off" }).to_string()
}

/// A secret just set, shown once.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The secret in clear.
    pub secret: String,
}

// ---- webhooks -----------------------------------------------------------------------------------

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

// ---- validation hooks and panels ------------------------------------------------------------------

fn kind_label(i: &I18n, k: EndpointKind) -> String {
    match k {
        EndpointKind::Validation => i.t("admin.hooks.kind_validation"),
        EndpointKind::Panel => i.t("admin.hooks.kind_panel"),
    }
    .to_string()
}

fn on_failure_label(i: &I18n, o: OnFailure) -> String {
    match o {
        OnFailure::Allow => i.t("admin.hooks.on_failure_allow"),
        OnFailure::Refuse => i.t("admin.hooks.on_failure_refuse"),
    }
    .to_string()
}

/// What a validation point or panel place is, in words.
fn name_hint(i: &I18n, name: &str) -> String {
    match name {
        "TicketClientCreateValidation" => i.t("admin.hooks.point_client_create"),
        "TicketAdminCreateValidation" => i.t("admin.hooks.point_admin_create"),
        "TicketClientReplyValidation" => i.t("admin.hooks.point_client_reply"),
        "TicketAdminReplyValidation" => i.t("admin.hooks.point_admin_reply"),
        "TicketAdminAreaViewDetail" => i.t("admin.hooks.place_admin_detail"),
        "TicketAdminAreaViewDetailSidebar" => i.t("admin.hooks.place_admin_detail_sidebar"),
        "TicketAdminAreaViewCreate" => i.t("admin.hooks.place_admin_create"),
        "TicketAdminAreaViewCreateSidebar" => i.t("admin.hooks.place_admin_create_sidebar"),
        "TicketAdminAreaViewList" => i.t("admin.hooks.place_admin_list"),
        "TicketClientAreaViewDetailTop" => i.t("admin.hooks.place_client_detail_top"),
        "TicketClientAreaViewDetail" => i.t("admin.hooks.place_client_detail"),
        "TicketClientAreaViewCreate" => i.t("admin.hooks.place_client_create"),
        "TicketClientAreaViewList" => i.t("admin.hooks.place_client_list"),
        _ => "",
    }
    .to_string()
}

fn name_choices(i: &I18n, names: &[&str], selected: &str) -> Vec<Choice> {
    choices(names.iter().map(|n| ((*n).to_string(), format!("{n} — {}", name_hint(i, n)))), selected)
}

fn validation_names() -> Vec<&'static str> {
    ValidationPoint::ALL.iter().map(|p| p.hook_name()).collect()
}

/// What a validation hook or panel form shows (never the secret).
#[derive(Debug, Clone, Default)]
pub struct HookValues {
    /// `validation` or `panel`.
    pub kind: String,
    /// Validation point or panel place.
    pub name: String,
    /// Where to POST.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// `native` or `wisecp`.
    pub format: String,
    /// Lower runs first.
    pub priority: String,
    /// Milliseconds to wait (empty: the default).
    pub timeout_ms: String,
    /// `allow` or `refuse`.
    pub on_failure: String,
    /// On.
    pub active: bool,
}

impl HookValues {
    fn blank() -> Self {
        Self {
            kind: "validation".into(),
            format: "wisecp".into(),
            priority: "10".into(),
            on_failure: "allow".into(),
            active: true,
            ..Self::default()
        }
    }

    fn of(e: &HookEndpoint) -> Self {
        Self {
            kind: e.kind.as_str().into(),
            name: e.name.clone(),
            url: e.url.clone(),
            description: e.description.clone(),
            format: e.format.as_str().into(),
            priority: e.priority.to_string(),
            timeout_ms: e.timeout_ms.to_string(),
            on_failure: e.on_failure.as_str().into(),
            active: e.active,
        }
    }

    fn from_form(f: &Form) -> Self {
        let s = |n: &str| f.get(n).unwrap_or_default().to_string();
        Self {
            kind: s("kind"),
            name: s("name"),
            url: s("url"),
            description: s("description"),
            format: s("format"),
            priority: s("priority"),
            timeout_ms: s("timeout_ms"),
            on_failure: s("on_failure"),
            active: f.checked("active"),
        }
    }
}

fn hook_input(f: &Form, creating: bool) -> Result<EndpointInput, DeskError> {
    let kind = if creating {
        Some(EndpointKind::parse(f.get("kind").unwrap_or_default()).ok_or_else(|| invalid("kind", "invalid_option"))?)
    } else {
        None
    };
    let on_failure = match f.get("on_failure") {
        None | Some("") => None,
        Some(v) => Some(OnFailure::parse(v).ok_or_else(|| invalid("on_failure", "invalid_option"))?),
    };
    Ok(EndpointInput {
        kind,
        name: Some(f.get("name").unwrap_or_default().trim().to_string()),
        url: Some(url_of(f)?),
        description: Some(f.get("description").unwrap_or_default().to_string()),
        format: f.text("format"),
        secret: secret_of(f, "hksec_")?,
        priority: number(f, "priority")?,
        timeout_ms: number(f, "timeout_ms")?,
        on_failure,
        active: Some(f.checked("active")),
    })
}

/// A validation hook or panel as a row of its list.
#[derive(Debug, Clone)]
pub struct HookRow {
    /// Id.
    pub id: i64,
    /// Point or place.
    pub name: String,
    /// It in words.
    pub hint: String,
    /// Where it POSTs.
    pub url: String,
    /// Lower runs first.
    pub priority: i64,
    /// Milliseconds.
    pub timeout_ms: u32,
    /// What a failure means.
    pub on_failure: String,
    /// On.
    pub active: bool,
    /// "On" or "Off".
    pub active_label: String,
}

#[derive(Template)]
#[template(path = "admin_hooks.html")]
struct HooksPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    validations: Vec<HookRow>,
    panels: Vec<HookRow>,
    form: HookValues,
    kinds: Vec<Choice>,
    validation_names: Vec<Choice>,
    panel_places: Vec<Choice>,
    formats: Vec<Choice>,
    on_failures: Vec<Choice>,
    errors: FormErrors,
}

fn on_failure_choices(i: &I18n, selected: &str) -> Vec<Choice> {
    choices([OnFailure::Allow, OnFailure::Refuse].map(|o| (o.as_str().to_string(), on_failure_label(i, o))), selected)
}

async fn render_hooks(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    form: HookValues,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", "/admin/hooks");
    let i = page.i;
    let mut all = state.desk.list_endpoints(&s.actor).await?;
    all.sort_by(|a, b| (&a.name, a.priority, a.id.0).cmp(&(&b.name, b.priority, b.id.0)));
    let (mut validations, mut panels) = (Vec::new(), Vec::new());
    for e in all {
        let row = HookRow {
            id: e.id.0,
            hint: name_hint(&i, &e.name),
            priority: e.priority,
            timeout_ms: e.timeout_ms,
            on_failure: on_failure_label(&i, e.on_failure),
            active: e.active,
            active_label: on_off(&i, e.active),
            name: e.name,
            url: e.url,
        };
        match e.kind {
            EndpointKind::Validation => validations.push(row),
            EndpointKind::Panel => panels.push(row),
        }
    }
    let kinds = choices(
        [EndpointKind::Validation, EndpointKind::Panel].map(|k| (k.as_str().to_string(), kind_label(&i, k))),
        &form.kind,
    );
    html_status(
        status_of(&errors),
        &HooksPage {
            nav: nav(false),
            notice,
            validations,
            panels,
            kinds,
            validation_names: name_choices(&i, &validation_names(), &form.name),
            panel_places: name_choices(&i, &PANEL_PLACES, &form.name),
            formats: format_choices(&i, &form.format),
            on_failures: on_failure_choices(&i, &form.on_failure),
            form,
            errors,
            page,
        },
    )
}

/// The validation hooks, the panels, and a form for a new one.
pub async fn hooks(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("deleted", "admin.hooks.deleted")]);
    render_hooks(&state, &headers, &s, HookValues::blank(), FormErrors::default(), notice).await
}

/// Creates a validation hook or panel and shows it with its secret, once.
pub async fn create_hook(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let result = match hook_input(&form, true) {
        Ok(input) => state.desk.create_endpoint(&s.actor, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((e, secret)) => {
            let shown = HookShown {
                issued: Some(Issued { secret }),
                notice: Some(i.t("admin.hooks.created").to_string()),
                ..HookShown::default()
            };
            render_hook(&state, &headers, &s, e.id, shown).await
        }
        Err(e) => {
            let errors = form_errors(&i, e)?;
            render_hooks(&state, &headers, &s, HookValues::from_form(&form), errors, None).await
        }
    }
}

/// What a test call found, as the page shows it.
#[derive(Debug, Clone)]
pub struct ProbeView {
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// How long it took.
    pub latency_ms: u32,
    /// The start of the answer.
    pub response: String,
    /// Why it failed.
    pub error: Option<String>,
    /// A validation hook's refusal text.
    pub refusal: Option<String>,
    /// A panel's fragment, sanitised by the hooks' side (shown as HTML).
    pub fragment: Option<String>,
    /// A validation hook answered and let the test through.
    pub allowed: bool,
}

impl ProbeView {
    fn of(p: Probe, kind: EndpointKind) -> Self {
        Self {
            allowed: kind == EndpointKind::Validation && p.error.is_none() && p.refusal.is_none(),
            status: p.status,
            latency_ms: p.latency_ms,
            response: p.response,
            error: p.error,
            refusal: p.refusal,
            fragment: p.fragment.filter(|f| !f.trim().is_empty()),
        }
    }
}

/// What a hook page shows besides the hook.
#[derive(Debug, Default)]
struct HookShown {
    form: Option<HookValues>,
    errors: FormErrors,
    notice: Option<String>,
    issued: Option<Issued>,
    probe: Option<ProbeView>,
    test_error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_hook.html")]
struct HookPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    id: i64,
    title: String,
    kind: String,
    is_validation: bool,
    created: Stamp,
    issued: Option<Issued>,
    probe: Option<ProbeView>,
    test_error: Option<String>,
    form: HookValues,
    names: Vec<Choice>,
    formats: Vec<Choice>,
    on_failures: Vec<Choice>,
    errors: FormErrors,
}

async fn render_hook(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    id: HookId,
    shown: HookShown,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", &format!("/admin/hooks/{id}"));
    let i = page.i;
    let e = state.desk.endpoint(&s.actor, id).await?;
    let mut form = shown.form.unwrap_or_else(|| HookValues::of(&e));
    // The kind is fixed: always the stored one.
    form.kind = e.kind.as_str().into();
    let names = match e.kind {
        EndpointKind::Validation => name_choices(&i, &validation_names(), &form.name),
        EndpointKind::Panel => name_choices(&i, &PANEL_PLACES, &form.name),
    };
    html_status(
        status_of(&shown.errors),
        &HookPage {
            nav: nav(false),
            notice: shown.notice,
            id: id.0,
            title: format!("{} · {}", e.name, kind_label(&i, e.kind)),
            kind: kind_label(&i, e.kind),
            is_validation: e.kind == EndpointKind::Validation,
            created: Stamp::of(e.created_at),
            issued: shown.issued,
            probe: shown.probe,
            test_error: shown.test_error,
            names,
            formats: format_choices(&i, &form.format),
            on_failures: on_failure_choices(&i, &form.on_failure),
            form,
            errors: shown.errors,
            page,
        },
    )
}

/// A validation hook's or panel's settings.
pub async fn hook(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("saved", "done.saved")]);
    render_hook(&state, &headers, &s, HookId(id), HookShown { notice, ..HookShown::default() }).await
}

/// Saves a validation hook or panel; a new secret is shown once.
pub async fn update_hook(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let result = match hook_input(&form, false) {
        Ok(input) => state.desk.update_endpoint(&s.actor, HookId(id), input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((_, Some(secret))) => {
            let shown = HookShown {
                issued: Some(Issued { secret }),
                notice: Some(i.t("admin.integrations.secret_changed").to_string()),
                ..HookShown::default()
            };
            render_hook(&state, &headers, &s, HookId(id), shown).await
        }
        Ok((_, None)) => Ok(see_other(&format!("/admin/hooks/{id}?done=saved"))),
        Err(e) => {
            let errors = form_errors(&i, e)?;
            let shown = HookShown { form: Some(HookValues::from_form(&form)), errors, ..HookShown::default() };
            render_hook(&state, &headers, &s, HookId(id), shown).await
        }
    }
}

/// Removes a validation hook or panel.
pub async fn delete_hook(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    state.desk.delete_endpoint(&s.actor, HookId(id)).await?;
    Ok(see_other("/admin/hooks?done=deleted"))
}

/// Calls a validation hook or panel once and shows what came back.
pub async fn test_hook(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let e = state.desk.endpoint(&s.actor, HookId(id)).await?;
    let shown = match state.desk.test_endpoint(&s.actor, HookId(id)).await {
        Ok(p) => HookShown { probe: Some(ProbeView::of(p, e.kind)), ..HookShown::default() },
        Err(err) => {
            let message = form_errors(&i, err)?.by_field.into_values().next();
            HookShown { test_error: message, ..HookShown::default() }
        }
    };
    render_hook(&state, &headers, &s, HookId(id), shown).await
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
        let e = hook_input(&form(&[("kind", "sidebar"), ("url", "https://x.example")]), true).unwrap_err();
        assert_eq!((e.field(), e.code()), (Some("kind"), "invalid_option"));
        let e = hook_input(&form(&[("url", "https://x.example"), ("timeout_ms", "-5")]), false).unwrap_err();
        assert_eq!((e.field(), e.code()), (Some("timeout_ms"), "invalid_type"));
    }

    #[test]
    fn every_point_and_place_is_described() {
        let i = I18n::new(crate::i18n::Lang::En);
        for n in validation_names().into_iter().chain(PANEL_PLACES) {
            assert!(!name_hint(&i, n).is_empty(), "{n}");
            assert!(!name_hint(&i, n).contains("admin.hooks"), "{n}");
        }
    }

    #[test]
    fn an_invalid_url_shows_the_desks_reason() {
        let i = I18n::new(crate::i18n::Lang::En);
        let e = DeskError::invalid("url", "invalid_url", "the URL must start with http:// or https://");
        let errors = form_errors(&i, e).unwrap();
        let m = errors.get("url").unwrap();
        assert!(m.contains("the URL must start with http:// or https://"), "{m}");
    }
}
