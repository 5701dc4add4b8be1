//! The blocked-senders list (`/admin/blocked-senders`): every entry with
//! its department and note, a form to add an address or a domain, and
//! removing one. Mail from a listed sender is refused and recorded as
//! refused in `/admin/mail`, never dropped silently.

use super::common::{DoneQuery, Nav, form_errors, notice, require_admin, status_of};
use crate::WebState;
use crate::forms::Form;
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::Stamp;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use tessera_core::ids::{DepartmentId, SenderBlockId};
use tessera_desk::mail::SenderBlockInput;

/// An entry as a row of the list.
#[derive(Debug, Clone)]
pub struct BlockRow {
    /// Id.
    pub id: i64,
    /// The address or `@domain`.
    pub pattern: String,
    /// The department's name; empty: every department.
    pub department: String,
    /// Why.
    pub note: String,
    /// Added.
    pub created: Stamp,
}

/// A department to choose.
#[derive(Debug, Clone)]
pub struct DepartmentChoice {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Chosen.
    pub selected: bool,
}

/// What the form shows.
#[derive(Debug, Clone, Default)]
pub struct BlockValues {
    /// The address or domain typed.
    pub pattern: String,
    /// The department chosen (empty: every department).
    pub department_id: String,
    /// The note typed.
    pub note: String,
}

#[derive(Template)]
#[template(path = "admin_blocked.html")]
struct BlockedPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    rows: Vec<BlockRow>,
    departments: Vec<DepartmentChoice>,
    form: BlockValues,
    errors: FormErrors,
}

async fn render(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    form: BlockValues,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", "/admin/blocked-senders");
    let departments = state.desk.list_departments(&s.actor).await?;
    let name_of = |id: DepartmentId| {
        departments.iter().find(|d| d.department.id == id).map(|d| d.department.name.clone()).unwrap_or_default()
    };
    let rows = state
        .desk
        .sender_blocks(&s.actor)
        .await?
        .into_iter()
        .map(|b| BlockRow {
            id: b.id.0,
            department: b.department_id.map(name_of).unwrap_or_default(),
            pattern: b.pattern,
            note: b.note,
            created: Stamp::of(b.created_at),
        })
        .collect();
    let departments = departments
        .iter()
        .map(|d| DepartmentChoice {
            id: d.department.id.0,
            name: d.department.name.clone(),
            selected: form.department_id == d.department.id.0.to_string(),
        })
        .collect();
    html_status(
        status_of(&errors),
        &BlockedPage { nav: Nav::list("blocked"), notice, rows, departments, form, errors, page },
    )
}

/// The list and the form to add to it.
pub async fn blocked(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let known = [("added", "admin.blocked.added"), ("removed", "admin.blocked.removed")];
    let notice = notice(&i, q.done.as_deref(), &known);
    render(&state, &headers, &s, BlockValues::default(), FormErrors::default(), notice).await
}

/// Adds an entry; the form again with the message next to its field when
/// the desk refuses it.
pub async fn add(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let values = BlockValues {
        pattern: form.get("pattern").unwrap_or_default().to_string(),
        department_id: form.get("department_id").unwrap_or_default().to_string(),
        note: form.get("note").unwrap_or_default().to_string(),
    };
    let input = SenderBlockInput {
        pattern: values.pattern.clone(),
        department_id: form.id("department_id").map(DepartmentId),
        note: values.note.clone(),
    };
    match state.desk.add_sender_block(&s.actor, input).await {
        Ok(_) => Ok(see_other("/admin/blocked-senders?done=added")),
        Err(e) => {
            let errors = form_errors(&i18n_for(&headers, Some(&s)), e)?;
            render(&state, &headers, &s, values, errors, None).await
        }
    }
}

/// Removes an entry.
pub async fn remove(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    state.desk.remove_sender_block(&s.actor, SenderBlockId(id)).await?;
    Ok(see_other("/admin/blocked-senders?done=removed"))
}
