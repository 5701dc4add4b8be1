//! Statuses (`/admin/statuses`): the built-in ones and those added in a
//! category, with a form to add one.

use super::common::{DoneQuery, Nav, form_errors, invalid, notice, require_admin, status_of};
use crate::WebState;
use crate::forms::Form;
use crate::i18n::I18n;
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::choice::{Choice, choices};
use crate::view::status_label;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use tessera_core::StatusCategory;
use tessera_desk::StatusInput;

/// A status as a row of the list.
#[derive(Debug, Clone)]
pub struct StatusRow {
    /// Key.
    pub key: String,
    /// Name in the page's language.
    pub name: String,
    /// Category label.
    pub category: String,
    /// Category key (CSS class).
    pub category_key: &'static str,
    /// Shipped with Tessera.
    pub builtin: bool,
}

/// What the new-status form shows.
#[derive(Debug, Clone, Default)]
pub struct StatusValues {
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Category.
    pub category: String,
}

fn category_label(i: &I18n, c: StatusCategory) -> String {
    match c {
        StatusCategory::New => i.t("admin.category.new"),
        StatusCategory::Open => i.t("admin.category.open"),
        StatusCategory::Pending => i.t("admin.category.pending"),
        StatusCategory::Hold => i.t("admin.category.hold"),
        StatusCategory::Solved => i.t("admin.category.solved"),
        StatusCategory::Closed => i.t("admin.category.closed"),
    }
    .to_string()
}

#[derive(Template)]
#[template(path = "admin_statuses.html")]
struct StatusesPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    rows: Vec<StatusRow>,
    form: StatusValues,
    categories: Vec<Choice>,
    errors: FormErrors,
}

async fn render_statuses(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    form: StatusValues,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", "/admin/statuses");
    let i = page.i;
    let all = state.desk.statuses().await?;
    let rows = all
        .iter()
        .map(|st| StatusRow {
            key: st.key.to_string(),
            name: status_label(&i, &all, st.key.as_str()),
            category: category_label(&i, st.category),
            category_key: st.category.as_str(),
            builtin: st.builtin,
        })
        .collect();
    let categories =
        choices(StatusCategory::ALL.map(|c| (c.as_str().to_string(), category_label(&i, c))), &form.category);
    html_status(
        status_of(&errors),
        &StatusesPage { nav: Nav::list("statuses"), notice, rows, form, categories, errors, page },
    )
}

/// The statuses and a form for a new one.
pub async fn statuses(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("created", "admin.statuses.created")]);
    let form = StatusValues { category: "open".into(), ..StatusValues::default() };
    render_statuses(&state, &headers, &s, form, FormErrors::default(), notice).await
}

/// Adds a status.
pub async fn create_status(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let values = StatusValues {
        key: form.get("key").unwrap_or_default().trim().to_string(),
        name: form.get("name").unwrap_or_default().to_string(),
        category: form.get("category").unwrap_or_default().to_string(),
    };
    let result = match StatusCategory::parse(&values.category) {
        Some(category) => {
            let input = StatusInput { key: values.key.clone(), name: values.name.clone(), category, position: None };
            state.desk.create_status(&s.actor, input).await.map(|_| ())
        }
        None => Err(invalid("category", "invalid_option")),
    };
    match result {
        Ok(()) => Ok(see_other("/admin/statuses?done=created")),
        Err(e) => {
            let errors = form_errors(&i, e)?;
            render_statuses(&state, &headers, &s, values, errors, None).await
        }
    }
}
