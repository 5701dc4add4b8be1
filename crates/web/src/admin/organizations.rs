//! Organizations (`/admin/organizations`): the list with a form to add
//! one, and an organization's page with its members.

use super::common::{DoneQuery, Nav, form_errors, notice, require_admin, role_label, status_of, yes_no};
use super::users::UserRow;
use crate::WebState;
use crate::forms::Form;
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::Stamp;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use tessera_core::Organization;
use tessera_core::ids::OrganizationId;
use tessera_desk::OrganizationInput;
use tessera_store::UserQuery;

/// What an organization form shows.
#[derive(Debug, Clone, Default)]
pub struct OrganizationValues {
    /// Name.
    pub name: String,
    /// Billing system id.
    pub external_id: String,
    /// Notes.
    pub notes: String,
}

impl OrganizationValues {
    fn of(o: &Organization) -> Self {
        Self { name: o.name.clone(), external_id: o.external_id.clone().unwrap_or_default(), notes: o.notes.clone() }
    }

    fn from_form(f: &Form) -> Self {
        let s = |n: &str| f.get(n).unwrap_or_default().to_string();
        Self { name: s("name"), external_id: s("external_id"), notes: s("notes") }
    }

    fn input(&self) -> OrganizationInput {
        let ext = self.external_id.trim();
        OrganizationInput {
            name: Some(self.name.clone()),
            external_id: Some((!ext.is_empty()).then(|| ext.to_string())),
            notes: Some(self.notes.clone()),
            // Mail domains are set through the API for now (admins).
            email_domains: None,
        }
    }
}

/// An organization as a row of the list.
#[derive(Debug, Clone)]
pub struct OrganizationRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Billing system id.
    pub external_id: String,
    /// Created.
    pub created: Stamp,
}

#[derive(Template)]
#[template(path = "admin_organizations.html")]
struct OrganizationsPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    rows: Vec<OrganizationRow>,
    form: OrganizationValues,
    errors: FormErrors,
}

async fn render_organizations(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    form: OrganizationValues,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", "/admin/organizations");
    let mut orgs = state.desk.list_organizations(&s.actor).await?;
    orgs.sort_by_key(|o| o.name.to_lowercase());
    let rows = orgs
        .iter()
        .map(|o| OrganizationRow {
            id: o.id.0,
            name: o.name.clone(),
            external_id: o.external_id.clone().unwrap_or_default(),
            created: Stamp::of(o.created_at),
        })
        .collect();
    html_status(
        status_of(&errors),
        &OrganizationsPage { nav: Nav::list("organizations"), notice, rows, form, errors, page },
    )
}

/// The organizations and a form for a new one.
pub async fn organizations(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("created", "admin.organizations.created")]);
    render_organizations(&state, &headers, &s, OrganizationValues::default(), FormErrors::default(), notice).await
}

/// Creates an organization.
pub async fn create_organization(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let values = OrganizationValues::from_form(&form);
    match state.desk.create_organization(&s.actor, values.input()).await {
        Ok(_) => Ok(see_other("/admin/organizations?done=created")),
        Err(e) => {
            let errors = form_errors(&i, e)?;
            render_organizations(&state, &headers, &s, values, errors, None).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_organization.html")]
struct OrganizationPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    id: i64,
    title: String,
    members: Vec<UserRow>,
    form: OrganizationValues,
    errors: FormErrors,
}

async fn render_organization(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    id: OrganizationId,
    form: Option<OrganizationValues>,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", &format!("/admin/organizations/{id}"));
    let i = page.i;
    let org = state.desk.organization(&s.actor, id).await?;
    let q = UserQuery { organization_id: Some(id), limit: 200, ..UserQuery::default() };
    let members = state
        .desk
        .list_users(&s.actor, q)
        .await?
        .iter()
        .map(|u| UserRow {
            id: u.id.0,
            name: u.name.clone(),
            email: u.email.to_string(),
            role: role_label(&i, u.role),
            organization: yes_no(&i, u.sees_all),
            disabled: u.disabled,
        })
        .collect();
    html_status(
        status_of(&errors),
        &OrganizationPage {
            nav: Nav::sub("organizations"),
            notice,
            id: id.0,
            title: org.name.clone(),
            members,
            form: form.unwrap_or_else(|| OrganizationValues::of(&org)),
            errors,
            page,
        },
    )
}

/// An organization's settings and members.
pub async fn organization(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("saved", "done.saved")]);
    render_organization(&state, &headers, &s, OrganizationId(id), None, FormErrors::default(), notice).await
}

/// Saves an organization.
pub async fn update_organization(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let values = OrganizationValues::from_form(&form);
    match state.desk.update_organization(&s.actor, OrganizationId(id), values.input()).await {
        Ok(_) => Ok(see_other(&format!("/admin/organizations/{id}?done=saved"))),
        Err(e) => {
            let errors = form_errors(&i, e)?;
            render_organization(&state, &headers, &s, OrganizationId(id), Some(values), errors, None).await
        }
    }
}
