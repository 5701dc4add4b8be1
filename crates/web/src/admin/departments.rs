//! Departments (`/admin/departments`): the list with a form to add one,
//! and a department's page with its settings and its agents.

use super::common::{
    DoneQuery, Nav, form_errors, invalid, notice, optional_number, require_admin, role_label, staff, status_of, yes_no,
};
use crate::WebState;
use crate::forms::Form;
use crate::i18n::I18n;
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::choice::{Choice, choices};
use crate::view::modes::{self, ModeRow};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use tessera_core::ids::{DepartmentId, UserId};
use tessera_core::{AutoAssign, Email};
use tessera_desk::admin::DepartmentView;
use tessera_desk::{DepartmentInput, DeskError};

/// What a department form shows.
#[derive(Debug, Clone, Default)]
pub struct DepartmentValues {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Customers may pick it.
    pub public: bool,
    /// Inbound address.
    pub email: String,
    /// `none`, `round_robin`, `least_open`.
    pub auto_assign: String,
    /// A service must be linked.
    pub requires_service: bool,
    /// Signature.
    pub signature: String,
    /// Sort position.
    pub position: String,
    /// Days of the subject threading rule (`""` on the short form).
    pub mail_thread_days: String,
    /// Member ids.
    pub members: Vec<i64>,
}

impl DepartmentValues {
    fn blank() -> Self {
        Self { public: true, auto_assign: "none".into(), position: "0".into(), ..Self::default() }
    }

    fn of(v: &DepartmentView) -> Self {
        let d = &v.department;
        Self {
            name: d.name.clone(),
            description: d.description.clone(),
            public: d.public,
            email: d.email.clone().unwrap_or_default(),
            auto_assign: auto_assign_key(d.auto_assign).into(),
            requires_service: d.requires_service,
            signature: d.signature.clone(),
            position: d.position.to_string(),
            mail_thread_days: d.mail_thread_days.to_string(),
            members: v.member_ids.iter().map(|m| m.0).collect(),
        }
    }

    fn from_form(f: &Form) -> Self {
        let s = |n: &str| f.get(n).unwrap_or_default().to_string();
        Self {
            name: s("name"),
            description: s("description"),
            public: f.checked("public"),
            email: s("email"),
            auto_assign: s("auto_assign"),
            requires_service: f.checked("requires_service"),
            signature: s("signature"),
            position: s("position"),
            mail_thread_days: s("mail_thread_days"),
            members: f.all("member_ids").iter().filter_map(|v| v.parse().ok()).collect(),
        }
    }
}

fn auto_assign_key(a: AutoAssign) -> &'static str {
    match a {
        AutoAssign::None => "none",
        AutoAssign::RoundRobin => "round_robin",
        AutoAssign::LeastOpen => "least_open",
    }
}

fn auto_assign_label(i: &I18n, a: AutoAssign) -> String {
    match a {
        AutoAssign::None => i.t("admin.auto_assign.none"),
        AutoAssign::RoundRobin => i.t("admin.auto_assign.round_robin"),
        AutoAssign::LeastOpen => i.t("admin.auto_assign.least_open"),
    }
    .to_string()
}

fn auto_assign_choices(i: &I18n, selected: &str) -> Vec<Choice> {
    choices(
        [AutoAssign::None, AutoAssign::RoundRobin, AutoAssign::LeastOpen]
            .map(|a| (auto_assign_key(a).to_string(), auto_assign_label(i, a))),
        selected,
    )
}

fn department_input(f: &Form, with_members: bool) -> Result<DepartmentInput, DeskError> {
    let email = match f.get("email").map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(e) => Some(Some(Email::parse(e)?)),
    };
    let auto_assign = match f.get("auto_assign") {
        None => None,
        Some(v) => Some(
            [AutoAssign::None, AutoAssign::RoundRobin, AutoAssign::LeastOpen]
                .into_iter()
                .find(|a| auto_assign_key(*a) == v)
                .ok_or_else(|| invalid("auto_assign", "invalid_option"))?,
        ),
    };
    Ok(DepartmentInput {
        name: f.get("name").map(str::to_string),
        description: f.get("description").map(str::to_string),
        public: Some(f.checked("public")),
        email,
        auto_assign,
        requires_service: Some(f.checked("requires_service")),
        signature: f.get("signature").map(str::to_string),
        position: optional_number(f, "position")?,
        mail_thread_days: match optional_number(f, "mail_thread_days")? {
            None => None,
            Some(n) => Some(u32::try_from(n).map_err(|_| invalid("mail_thread_days", "out_of_range"))?),
        },
        member_ids: with_members
            .then(|| f.all("member_ids").iter().filter_map(|v| v.parse().ok()).map(UserId).collect()),
    })
}

/// A department as a row of the list.
#[derive(Debug, Clone)]
pub struct DepartmentRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Public.
    pub public: String,
    /// Auto-assignment.
    pub auto_assign: String,
    /// Requires a service.
    pub requires_service: String,
    /// Members.
    pub members: usize,
}

#[derive(Template)]
#[template(path = "admin_departments.html")]
struct DepartmentsPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    rows: Vec<DepartmentRow>,
    form: DepartmentValues,
    auto_assigns: Vec<Choice>,
    errors: FormErrors,
}

async fn render_departments(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    form: DepartmentValues,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", "/admin/departments");
    let i = page.i;
    let rows = state
        .desk
        .list_departments(&s.actor)
        .await?
        .iter()
        .map(|v| DepartmentRow {
            id: v.department.id.0,
            name: v.department.name.clone(),
            public: yes_no(&i, v.department.public),
            auto_assign: auto_assign_label(&i, v.department.auto_assign),
            requires_service: yes_no(&i, v.department.requires_service),
            members: v.member_ids.len(),
        })
        .collect();
    html_status(
        status_of(&errors),
        &DepartmentsPage {
            nav: Nav::list("departments"),
            notice,
            rows,
            auto_assigns: auto_assign_choices(&i, &form.auto_assign),
            form,
            errors,
            page,
        },
    )
}

/// The departments and a form for a new one.
pub async fn departments(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("saved", "done.saved")]);
    render_departments(&state, &headers, &s, DepartmentValues::blank(), FormErrors::default(), notice).await
}

/// Creates a department, then opens it (to add its members).
pub async fn create_department(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let result = match department_input(&form, false) {
        Ok(input) => state.desk.create_department(&s.actor, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => Ok(see_other(&format!("/admin/departments/{}?done=created", v.department.id))),
        Err(e) => {
            let errors = form_errors(&i, e)?;
            render_departments(&state, &headers, &s, DepartmentValues::from_form(&form), errors, None).await
        }
    }
}

/// An agent or admin as a member checkbox.
#[derive(Debug, Clone)]
pub struct MemberBox {
    /// User id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Address.
    pub email: String,
    /// Role label.
    pub role: String,
    /// Disabled account (still a member).
    pub disabled: bool,
    /// Ticked.
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "admin_department.html")]
struct DepartmentPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    id: i64,
    title: String,
    form: DepartmentValues,
    auto_assigns: Vec<Choice>,
    members: Vec<MemberBox>,
    notifications: Vec<ModeRow>,
    errors: FormErrors,
}

async fn render_department(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    id: DepartmentId,
    form: Option<DepartmentValues>,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", &format!("/admin/departments/{id}"));
    let i = page.i;
    let view = state.desk.department(&s.actor, id).await?;
    let form = form.unwrap_or_else(|| DepartmentValues::of(&view));
    // Active agents and admins, and whoever is a member now (even disabled).
    let members = staff(state, &s.actor)
        .await?
        .into_iter()
        .filter(|u| !u.disabled || view.member_ids.contains(&u.id))
        .map(|u| MemberBox {
            id: u.id.0,
            role: role_label(&i, u.role),
            email: u.email.to_string(),
            disabled: u.disabled,
            checked: form.members.contains(&u.id.0),
            name: u.name,
        })
        .collect();
    let defaults = state.desk.department_notification_defaults(&s.actor, id).await?;
    let notifications = modes::rows(&i, &defaults, Some(i.t("mailout.mode.default_immediate")));
    html_status(
        status_of(&errors),
        &DepartmentPage {
            notifications,
            nav: Nav::sub("departments"),
            notice,
            id: id.0,
            title: view.department.name.clone(),
            auto_assigns: auto_assign_choices(&i, &form.auto_assign),
            form,
            members,
            errors,
            page,
        },
    )
}

/// A department's settings.
pub async fn department(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("created", "admin.departments.created"), ("saved", "done.saved")]);
    render_department(&state, &headers, &s, DepartmentId(id), None, FormErrors::default(), notice).await
}

/// Saves a department's settings and members.
pub async fn update_department(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    // The agents' default modes (decision 48), checked before anything
    // is saved: an unknown mode is a bad request.
    let defaults = state.desk.department_notification_defaults(&s.actor, DepartmentId(id)).await?;
    let mode_changes = modes::changes(&form, &defaults)?;
    let result = match department_input(&form, true) {
        Ok(input) => state.desk.update_department(&s.actor, DepartmentId(id), input).await,
        Err(e) => Err(e),
    };
    let result = match result {
        Ok(_) => state.desk.set_department_notification_defaults(&s.actor, DepartmentId(id), &mode_changes).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/admin/departments/{id}?done=saved"))),
        Err(e) => {
            let errors = form_errors(&i, e)?;
            let values = Some(DepartmentValues::from_form(&form));
            render_department(&state, &headers, &s, DepartmentId(id), values, errors, None).await
        }
    }
}
