//! Validation hooks and panels (`/admin/hooks`): the list with a form to
//! add one, a hook's page with its settings, and test calls.
//!
//! Admins only, like the rest of `/admin`. Every change goes through the
//! desk; a refused change shows the form again (422) with what was typed
//! (never a secret) and the message next to its field; a change that went
//! through redirects (303) with a `?done=` confirmation — except when a
//! secret was just set: that page is answered directly, so the secret is
//! shown once and never again.

use super::common::{DoneQuery, Nav, invalid, notice, require_admin};
use super::integrations::{Issued, form_errors, format_choices, nav, number, on_off, secret_of, status_of, url_of};
use crate::WebState;
use crate::forms::Form;
use crate::i18n::I18n;
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::Stamp;
use crate::view::choice::{Choice, choices};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use tessera_core::ids::HookId;
use tessera_desk::DeskError;
use tessera_desk::hooks::{EndpointInput, PANEL_PLACES, Probe, ValidationPoint};
use tessera_store::{EndpointKind, HookEndpoint, OnFailure};

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
    fn a_bad_kind_or_timeout_is_the_forms_error() {
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
}
