//! The admin settings (`/admin`): departments, users, organizations,
//! custom fields, statuses and API tokens.
//!
//! Admins only: anyone else signed in gets "not allowed", visitors are sent
//! to sign in. Every change goes through the desk, exactly as the API's do;
//! a refused change shows the form again (422) with what was typed and the
//! message next to its field; a change that went through redirects (303)
//! with a `?done=` confirmation.

use crate::WebState;
use crate::forms::{Form, encode};
use crate::i18n::{I18n, Lang};
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::choice::{Choice, choices};
use crate::view::{Stamp, status_label};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use tessera_core::ids::{CustomFieldId, DepartmentId, OrganizationId, TokenId, UserId};
use tessera_core::{Actor, AutoAssign, CustomFieldDef, Email, FieldType, Organization, Role, StatusCategory, User};
use tessera_desk::admin::DepartmentView;
use tessera_desk::{
    CreateUser, CustomFieldInput, DepartmentInput, DeskError, OrganizationInput, StatusInput, TokenInput, UpdateUser,
};
use tessera_store::UserQuery;

/// The admin routes.
pub fn routes() -> Vec<crate::Route> {
    let mut r = vec![
        crate::get("/admin", index),
        crate::get("/admin/departments", departments),
        crate::post("/admin/departments", create_department),
        crate::get("/admin/departments/{id}", department),
        crate::post("/admin/departments/{id}", update_department),
        crate::get("/admin/users", users),
        crate::post("/admin/users", create_user),
        crate::get("/admin/users/{id}", user),
        crate::post("/admin/users/{id}", update_user),
        crate::get("/admin/organizations", organizations),
        crate::post("/admin/organizations", create_organization),
        crate::get("/admin/organizations/{id}", organization),
        crate::post("/admin/organizations/{id}", update_organization),
        crate::get("/admin/custom-fields", fields),
        crate::post("/admin/custom-fields", create_field),
        crate::get("/admin/custom-fields/{id}", field),
        crate::post("/admin/custom-fields/{id}", update_field),
        crate::post("/admin/custom-fields/{id}/delete", delete_field),
        crate::get("/admin/statuses", statuses),
        crate::post("/admin/statuses", create_status),
        crate::get("/admin/tokens", tokens),
        crate::post("/admin/tokens", create_token),
        crate::post("/admin/tokens/{id}/revoke", revoke_token),
    ];
    r.extend(crate::admin_hooks::routes());
    r.extend(crate::admin_sla::routes());
    r
}

// ---- what every admin page shares --------------------------------------------------------------

pub(crate) fn require_admin(s: &SignedIn) -> Result<(), WebError> {
    if s.actor.is_admin() && !s.is_guest() { Ok(()) } else { Err(WebError::Forbidden) }
}

/// The entry of the admin navigation a page belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Nav {
    /// `departments`, `users`, `organizations`, `fields`, `statuses`, `tokens`.
    pub section: &'static str,
    /// `aria-current`: `page` on the section's own page, `location` below it.
    pub aria: &'static str,
}

impl Nav {
    pub(crate) fn list(section: &'static str) -> Self {
        Self { section, aria: "page" }
    }

    pub(crate) fn sub(section: &'static str) -> Self {
        Self { section, aria: "location" }
    }

    /// The page belongs to `section`.
    pub fn is(&self, section: &str) -> bool {
        self.section == section
    }
}

/// `?done=` after a change.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    pub(crate) done: Option<String>,
}

/// The confirmation for `done`, if it is one of `known` (value, catalog key).
pub(crate) fn notice(i: &I18n, done: Option<&str>, known: &[(&str, &'static str)]) -> Option<String> {
    let done = done?;
    known.iter().find(|(k, _)| *k == done).map(|(_, key)| i.t(key).to_string())
}

/// The messages of a refused change, by field; errors that are not the
/// form's fault become error pages.
pub(crate) fn form_errors(i: &I18n, e: DeskError) -> Result<FormErrors, WebError> {
    match e {
        DeskError::Internal(_)
        | DeskError::Unavailable(_)
        | DeskError::NotFound { .. }
        | DeskError::Unauthenticated => Err(e.into()),
        DeskError::Forbidden { field: None, .. } => Err(WebError::Forbidden),
        e => Ok(FormErrors::from_desk(i, &e)),
    }
}

/// 422 when the form has errors, else 200.
pub(crate) fn status_of(errors: &FormErrors) -> StatusCode {
    errors.status()
}

fn yes_no(i: &I18n, b: bool) -> String {
    i.t(if b { "common.yes" } else { "common.no" }).to_string()
}

/// Every user of a role (paging through the desk's limit).
async fn all_users(state: &WebState, actor: &Actor, role: Role) -> Result<Vec<User>, WebError> {
    let mut out: Vec<User> = Vec::new();
    loop {
        let q = UserQuery { role: Some(role), after: out.last().map(|u| u.id), limit: 200, ..UserQuery::default() };
        let page = state.desk.list_users(actor, q).await?;
        let done = page.len() < 200;
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

/// Agents and admins, by name.
async fn staff(state: &WebState, actor: &Actor) -> Result<Vec<User>, WebError> {
    let mut out = all_users(state, actor, Role::Agent).await?;
    out.extend(all_users(state, actor, Role::Admin).await?);
    out.sort_by_key(|u| u.name.to_lowercase());
    Ok(out)
}

fn role_label(i: &I18n, r: Role) -> String {
    match r {
        Role::Customer => i.t("admin.role.customer"),
        Role::Agent => i.t("admin.role.agent"),
        Role::Admin => i.t("admin.role.admin"),
    }
    .to_string()
}

fn role_choices(i: &I18n, selected: &str) -> Vec<Choice> {
    choices([Role::Customer, Role::Agent, Role::Admin].map(|r| (r.as_str().to_string(), role_label(i, r))), selected)
}

fn lang_choices(selected: &str) -> Vec<Choice> {
    choices(Lang::ALL.map(|l| (l.code().to_string(), l.native_name().to_string())), selected)
}

fn organization_choices(i: &I18n, orgs: &[Organization], selected: &str) -> Vec<Choice> {
    let mut sorted: Vec<&Organization> = orgs.iter().collect();
    sorted.sort_by_key(|o| o.name.to_lowercase());
    let mut items = vec![(String::new(), i.t("admin.users.no_organization").to_string())];
    items.extend(sorted.into_iter().map(|o| (o.id.to_string(), o.name.clone())));
    choices(items, selected)
}

/// The `{0}` message of `code` on `field`, as the desk would give it.
fn invalid(field: &str, code: &'static str) -> DeskError {
    DeskError::invalid(field, code, format!("{field}: {code}"))
}

fn optional_number(f: &Form, field: &str) -> Result<Option<i64>, DeskError> {
    match f.get(field).map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| invalid(field, "invalid_type")),
    }
}

// ---- /admin ------------------------------------------------------------------------------------

/// The settings start at the departments.
pub async fn index(Signed(s): Signed) -> Result<Response, WebError> {
    require_admin(&s)?;
    Ok(see_other("/admin/departments"))
}

// ---- departments -------------------------------------------------------------------------------

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
    html_status(
        status_of(&errors),
        &DepartmentPage {
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
    let result = match department_input(&form, true) {
        Ok(input) => state.desk.update_department(&s.actor, DepartmentId(id), input).await,
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

// ---- users --------------------------------------------------------------------------------------

/// Users per page of the list.
const USERS_PER_PAGE: u32 = 50;

/// Filters of the user list.
#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    /// `customer`, `agent`, `admin` (default: all).
    role: Option<String>,
    /// Name or address contains this.
    q: Option<String>,
    /// Ids greater than this.
    after: Option<String>,
    done: Option<String>,
}

/// A user as a row of the list.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Address.
    pub email: String,
    /// Role label.
    pub role: String,
    /// Organization name, or empty.
    pub organization: String,
    /// Disabled.
    pub disabled: bool,
}

/// A tab of the role filter.
#[derive(Debug, Clone)]
pub struct Tab {
    /// Link.
    pub href: String,
    /// Label.
    pub label: String,
    /// Shown now.
    pub current: bool,
}

/// What the new-user form shows (never the password).
#[derive(Debug, Clone, Default)]
pub struct NewUserValues {
    /// Address.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Organization id, or empty.
    pub organization_id: String,
    /// Language.
    pub locale: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    tabs: Vec<Tab>,
    role: String,
    q: String,
    rows: Vec<UserRow>,
    next: Option<String>,
    first: Option<String>,
    form: NewUserValues,
    roles: Vec<Choice>,
    organizations: Vec<Choice>,
    langs: Vec<Choice>,
    errors: FormErrors,
}

async fn render_users(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    q: UsersQuery,
    form: NewUserValues,
    errors: FormErrors,
) -> Result<Response, WebError> {
    let role = q.role.as_deref().and_then(Role::parse);
    let after = q.after.as_deref().and_then(|a| a.trim().parse::<i64>().ok()).filter(|a| *a > 0);
    let role_key = role.map_or("", Role::as_str);
    let text = q.q.clone().map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    let base = format!("/admin/users?role={role_key}&q={}", encode(text.as_deref().unwrap_or("")));
    let page = Page::new(state, headers, Some(s), "admin", &base);
    let i = page.i;
    let query = UserQuery {
        role,
        search: text.clone(),
        after: after.map(UserId),
        limit: USERS_PER_PAGE + 1,
        ..UserQuery::default()
    };
    let mut found = state.desk.list_users(&s.actor, query).await?;
    let more = found.len() > USERS_PER_PAGE as usize;
    found.truncate(USERS_PER_PAGE as usize);
    let orgs = state.desk.list_organizations(&s.actor).await?;
    let org_names: HashMap<OrganizationId, &str> = orgs.iter().map(|o| (o.id, o.name.as_str())).collect();
    let rows = found
        .iter()
        .map(|u| UserRow {
            id: u.id.0,
            name: u.name.clone(),
            email: u.email.to_string(),
            role: role_label(&i, u.role),
            organization: u.organization_id.and_then(|o| org_names.get(&o)).map(|n| n.to_string()).unwrap_or_default(),
            disabled: u.disabled,
        })
        .collect();
    let next = more.then(|| found.last().map(|u| format!("{base}&after={}", u.id))).flatten();
    let first = after.map(|_| base.clone());
    let tabs = [
        ("", "admin.users.filter_all"),
        ("customer", "admin.users.filter_customers"),
        ("agent", "admin.users.filter_agents"),
        ("admin", "admin.users.filter_admins"),
    ]
    .into_iter()
    .map(|(key, label)| Tab {
        href: format!("/admin/users?role={key}&q={}", encode(text.as_deref().unwrap_or(""))),
        label: i.t(label).to_string(),
        current: key == role_key,
    })
    .collect();
    let notice = notice(&i, q.done.as_deref(), &[("created", "admin.users.created"), ("saved", "done.saved")]);
    html_status(
        status_of(&errors),
        &UsersPage {
            nav: Nav::list("users"),
            notice,
            tabs,
            role: role_key.to_string(),
            q: text.unwrap_or_default(),
            rows,
            next,
            first,
            roles: role_choices(&i, &form.role),
            organizations: organization_choices(&i, &orgs, &form.organization_id),
            langs: lang_choices(&form.locale),
            form,
            errors,
            page,
        },
    )
}

/// The users, with a role filter, a search and paging by id.
pub async fn users(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<UsersQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let form = NewUserValues { role: "customer".into(), locale: "en".into(), ..NewUserValues::default() };
    render_users(&state, &headers, &s, q, form, FormErrors::default()).await
}

/// Creates a user.
pub async fn create_user(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let values = NewUserValues {
        email: form.get("email").unwrap_or_default().to_string(),
        name: form.get("name").unwrap_or_default().to_string(),
        role: form.get("role").unwrap_or_default().to_string(),
        organization_id: form.get("organization_id").unwrap_or_default().to_string(),
        locale: form.get("locale").unwrap_or_default().to_string(),
    };
    let input = (|| -> Result<CreateUser, DeskError> {
        let email = Email::parse(&values.email)?;
        let role = Role::parse(&values.role).ok_or_else(|| invalid("role", "invalid_option"))?;
        let mut input = CreateUser::new(email, &values.name, role);
        input.password = form.get("password").filter(|p| !p.is_empty()).map(str::to_string);
        input.organization_id = form.id("organization_id").map(OrganizationId);
        input.locale = form.text("locale");
        Ok(input)
    })();
    let result = match input {
        Ok(input) => state.desk.create_user(&s.actor, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/admin/users?done=created")),
        Err(e) => {
            let errors = form_errors(&i, e)?;
            render_users(&state, &headers, &s, UsersQuery::default(), values, errors).await
        }
    }
}

/// What the user form shows (never the password).
#[derive(Debug, Clone, Default)]
pub struct UserValues {
    /// Name.
    pub name: String,
    /// Address.
    pub email: String,
    /// Role.
    pub role: String,
    /// Organization id, or empty.
    pub organization_id: String,
    /// Sees the organization's tickets.
    pub sees_all: bool,
    /// Cannot sign in.
    pub disabled: bool,
    /// Language.
    pub locale: String,
    /// Time zone.
    pub time_zone: String,
}

impl UserValues {
    fn of(u: &User) -> Self {
        Self {
            name: u.name.clone(),
            email: u.email.to_string(),
            role: u.role.as_str().into(),
            organization_id: u.organization_id.map(|o| o.to_string()).unwrap_or_default(),
            sees_all: u.sees_all,
            disabled: u.disabled,
            locale: u.locale.clone(),
            time_zone: u.time_zone.clone(),
        }
    }

    fn from_form(f: &Form) -> Self {
        let s = |n: &str| f.get(n).unwrap_or_default().to_string();
        Self {
            name: s("name"),
            email: s("email"),
            role: s("role"),
            organization_id: s("organization_id"),
            sees_all: f.checked("sees_all"),
            disabled: f.checked("disabled"),
            locale: s("locale"),
            time_zone: s("time_zone"),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    id: i64,
    title: String,
    is_self: bool,
    has_password: bool,
    created: Stamp,
    departments: Vec<(i64, String)>,
    form: UserValues,
    roles: Vec<Choice>,
    organizations: Vec<Choice>,
    langs: Vec<Choice>,
    errors: FormErrors,
}

async fn render_user(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    id: UserId,
    form: Option<UserValues>,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", &format!("/admin/users/{id}"));
    let i = page.i;
    let view = state.desk.user(&s.actor, id).await?;
    let u = &view.user;
    let form = form.unwrap_or_else(|| UserValues::of(u));
    let orgs = state.desk.list_organizations(&s.actor).await?;
    let dept_names: HashMap<DepartmentId, String> = state
        .desk
        .list_departments(&s.actor)
        .await?
        .into_iter()
        .map(|d| (d.department.id, d.department.name))
        .collect();
    let departments = view
        .department_ids
        .iter()
        .map(|d| (d.0, dept_names.get(d).cloned().unwrap_or_else(|| format!("#{d}"))))
        .collect();
    html_status(
        status_of(&errors),
        &UserPage {
            nav: Nav::sub("users"),
            notice,
            id: u.id.0,
            title: u.name.clone(),
            is_self: u.id == s.user.id,
            has_password: u.password_hash.is_some(),
            created: Stamp::of(u.created_at),
            departments,
            roles: role_choices(&i, &form.role),
            organizations: organization_choices(&i, &orgs, &form.organization_id),
            langs: lang_choices(&form.locale),
            form,
            errors,
            page,
        },
    )
}

/// A user's settings.
pub async fn user(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("saved", "done.saved")]);
    render_user(&state, &headers, &s, UserId(id), None, FormErrors::default(), notice).await
}

/// Saves a user's settings (and a new password, when one is typed).
pub async fn update_user(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let input = (|| -> Result<UpdateUser, DeskError> {
        Ok(UpdateUser {
            email: Some(Email::parse(form.get("email").unwrap_or_default())?),
            name: Some(form.get("name").unwrap_or_default().to_string()),
            role: Some(
                Role::parse(form.get("role").unwrap_or_default()).ok_or_else(|| invalid("role", "invalid_option"))?,
            ),
            password: form.get("password").filter(|p| !p.is_empty()).map(str::to_string),
            organization_id: Some(form.id("organization_id").map(OrganizationId)),
            sees_all: Some(form.checked("sees_all")),
            locale: Some(form.get("locale").unwrap_or_default().to_string()),
            time_zone: Some(form.get("time_zone").unwrap_or_default().trim().to_string()),
            disabled: Some(form.checked("disabled")),
        })
    })();
    let result = match input {
        Ok(input) => state.desk.update_user(&s.actor, UserId(id), input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/admin/users/{id}?done=saved"))),
        Err(e) => {
            let errors = form_errors(&i, e)?;
            let values = Some(UserValues::from_form(&form));
            render_user(&state, &headers, &s, UserId(id), values, errors, None).await
        }
    }
}

// ---- organizations ------------------------------------------------------------------------------

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

// ---- custom fields ------------------------------------------------------------------------------

/// The languages a field has labels in, besides English.
const LABEL_LANGS: [&str; 3] = ["tr", "zh", "ru"];

/// What a custom field form shows.
#[derive(Debug, Clone, Default)]
pub struct FieldValues {
    /// Key.
    pub key: String,
    /// Type.
    pub field_type: String,
    /// English label.
    pub label_en: String,
    /// Other labels: (language code, its name, label).
    pub labels: Vec<(&'static str, &'static str, String)>,
    /// Required.
    pub required: bool,
    /// Options, one per line.
    pub options: String,
    /// Customers see it.
    pub customer_visible: bool,
    /// Customers set it.
    pub customer_editable: bool,
    /// Department ids.
    pub departments: Vec<i64>,
    /// Wipe secrets on solve.
    pub wipe_on_solve: bool,
    /// Sort position.
    pub position: String,
}

fn lang_name(code: &str) -> &'static str {
    Lang::parse(code).map_or("", Lang::native_name)
}

impl FieldValues {
    fn blank() -> Self {
        Self {
            field_type: "text".into(),
            labels: LABEL_LANGS.iter().map(|c| (*c, lang_name(c), String::new())).collect(),
            customer_visible: true,
            customer_editable: true,
            position: "0".into(),
            ..Self::default()
        }
    }

    fn of(d: &CustomFieldDef) -> Self {
        let label = |c: &str| d.labels.get(c).cloned().unwrap_or_default();
        Self {
            key: d.key.clone(),
            field_type: d.field_type.as_str().into(),
            label_en: label("en"),
            labels: LABEL_LANGS.iter().map(|c| (*c, lang_name(c), label(c))).collect(),
            required: d.required,
            options: d.options.join("\n"),
            customer_visible: d.customer_visible,
            customer_editable: d.customer_editable,
            departments: d.department_ids.iter().map(|x| x.0).collect(),
            wipe_on_solve: d.wipe_on_solve,
            position: d.position.to_string(),
        }
    }

    fn from_form(f: &Form) -> Self {
        let s = |n: &str| f.get(n).unwrap_or_default().to_string();
        Self {
            key: s("key"),
            field_type: s("type"),
            label_en: s("label_en"),
            labels: LABEL_LANGS.iter().map(|c| (*c, lang_name(c), s(&format!("label_{c}")))).collect(),
            required: f.checked("required"),
            options: s("options"),
            customer_visible: f.checked("customer_visible"),
            customer_editable: f.checked("customer_editable"),
            departments: f.all("department_ids").iter().filter_map(|v| v.parse().ok()).collect(),
            wipe_on_solve: f.checked("wipe_on_solve"),
            position: s("position"),
        }
    }
}

fn field_input(f: &Form, creating: bool) -> Result<CustomFieldInput, DeskError> {
    let mut labels = BTreeMap::new();
    for code in std::iter::once("en").chain(LABEL_LANGS) {
        if let Some(l) = f.text(&format!("label_{code}")) {
            labels.insert(code.to_string(), l);
        }
    }
    let field_type = if creating {
        match f.get("type").unwrap_or_default() {
            "" => None,
            t => Some(FieldType::parse(t).ok_or_else(|| invalid("type", "invalid_option"))?),
        }
    } else {
        None
    };
    Ok(CustomFieldInput {
        key: if creating { Some(f.get("key").unwrap_or_default().trim().to_string()) } else { None },
        labels: Some(labels),
        field_type,
        required: Some(f.checked("required")),
        options: Some(
            f.get("options")
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        customer_visible: Some(f.checked("customer_visible")),
        customer_editable: Some(f.checked("customer_editable")),
        department_ids: Some(f.all("department_ids").iter().filter_map(|v| v.parse().ok()).map(DepartmentId).collect()),
        wipe_on_solve: Some(f.checked("wipe_on_solve")),
        position: optional_number(f, "position")?,
    })
}

fn type_label(i: &I18n, t: FieldType) -> String {
    match t {
        FieldType::Text => i.t("admin.field_type.text"),
        FieldType::Textarea => i.t("admin.field_type.textarea"),
        FieldType::Number => i.t("admin.field_type.number"),
        FieldType::Select => i.t("admin.field_type.select"),
        FieldType::Multiselect => i.t("admin.field_type.multiselect"),
        FieldType::Checkbox => i.t("admin.field_type.checkbox"),
        FieldType::Date => i.t("admin.field_type.date"),
        FieldType::Secret => i.t("admin.field_type.secret"),
    }
    .to_string()
}

/// The messages of a refused custom field, with clearer words for the
/// rules that only fields have.
fn field_errors(i: &I18n, e: DeskError) -> Result<FormErrors, WebError> {
    let special = match (e.field(), e.code()) {
        (Some("customer_visible"), "not_allowed") => Some(("customer_visible", "admin.fields.secret_not_visible")),
        (Some("options"), "not_allowed") => Some(("options", "admin.fields.options_only_select")),
        (Some("options"), "required") => Some(("options", "admin.fields.options_required")),
        (Some("labels"), "required") => Some(("labels", "admin.fields.label_required")),
        _ => None,
    };
    match special {
        Some((field, key)) => {
            let mut errors = FormErrors::default();
            errors.add(field, i.t(key).to_string());
            Ok(errors)
        }
        None => form_errors(i, e),
    }
}

/// A department as a checkbox.
#[derive(Debug, Clone)]
pub struct DepartmentBox {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Ticked.
    pub checked: bool,
}

async fn department_boxes(
    state: &WebState,
    actor: &Actor,
    checked: &[i64],
) -> Result<(Vec<DepartmentBox>, HashMap<i64, String>), WebError> {
    let all = state.desk.list_departments(actor).await?;
    let boxes = all
        .iter()
        .map(|d| DepartmentBox {
            id: d.department.id.0,
            name: d.department.name.clone(),
            checked: checked.contains(&d.department.id.0),
        })
        .collect();
    let names = all.into_iter().map(|d| (d.department.id.0, d.department.name)).collect();
    Ok((boxes, names))
}

/// A custom field as a row of the list.
#[derive(Debug, Clone)]
pub struct FieldRow {
    /// Id.
    pub id: i64,
    /// Key.
    pub key: String,
    /// Label in the page's language.
    pub label: String,
    /// Type label.
    pub kind: String,
    /// Required.
    pub required: String,
    /// Customers see / set it.
    pub customers: String,
    /// Department names, or "all".
    pub departments: String,
}

#[derive(Template)]
#[template(path = "admin_fields.html")]
struct FieldsPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    rows: Vec<FieldRow>,
    form: FieldValues,
    types: Vec<Choice>,
    departments: Vec<DepartmentBox>,
    errors: FormErrors,
}

async fn render_fields(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    form: FieldValues,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", "/admin/custom-fields");
    let i = page.i;
    let (departments, names) = department_boxes(state, &s.actor, &form.departments).await?;
    let rows = state
        .desk
        .custom_fields(&s.actor)
        .await?
        .iter()
        .map(|d| FieldRow {
            id: d.id.0,
            key: d.key.clone(),
            label: crate::view::field_label(&i, d),
            kind: type_label(&i, d.field_type),
            required: yes_no(&i, d.required),
            customers: if d.customer_editable && d.field_type == FieldType::Secret {
                i.t("admin.fields.customers_write")
            } else if d.customer_editable {
                i.t("admin.fields.customers_edit")
            } else if d.customer_visible {
                i.t("admin.fields.customers_see")
            } else {
                i.t("admin.fields.customers_none")
            }
            .to_string(),
            departments: if d.department_ids.is_empty() {
                i.t("admin.fields.all_departments").to_string()
            } else {
                d.department_ids
                    .iter()
                    .map(|x| names.get(&x.0).cloned().unwrap_or_else(|| format!("#{x}")))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        })
        .collect();
    let types = choices(FieldType::ALL.map(|t| (t.as_str().to_string(), type_label(&i, t))), &form.field_type);
    html_status(
        status_of(&errors),
        &FieldsPage { nav: Nav::list("fields"), notice, rows, types, departments, form, errors, page },
    )
}

/// The custom fields and a form for a new one.
pub async fn fields(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice =
        notice(&i, q.done.as_deref(), &[("created", "admin.fields.created"), ("deleted", "admin.fields.deleted")]);
    render_fields(&state, &headers, &s, FieldValues::blank(), FormErrors::default(), notice).await
}

/// Creates a custom field.
pub async fn create_field(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let result = match field_input(&form, true) {
        Ok(input) => state.desk.create_custom_field(&s.actor, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/admin/custom-fields?done=created")),
        Err(e) => {
            let errors = field_errors(&i, e)?;
            render_fields(&state, &headers, &s, FieldValues::from_form(&form), errors, None).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_field.html")]
struct FieldPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    id: i64,
    title: String,
    kind: String,
    form: FieldValues,
    departments: Vec<DepartmentBox>,
    errors: FormErrors,
}

async fn render_field(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    id: i64,
    form: Option<FieldValues>,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", &format!("/admin/custom-fields/{id}"));
    let i = page.i;
    let def = state
        .desk
        .custom_fields(&s.actor)
        .await?
        .into_iter()
        .find(|d| d.id == CustomFieldId(id))
        .ok_or(WebError::NotFound)?;
    let mut form = form.unwrap_or_else(|| FieldValues::of(&def));
    // Key and type are fixed: always the stored ones.
    form.key.clone_from(&def.key);
    form.field_type = def.field_type.as_str().into();
    let (departments, _) = department_boxes(state, &s.actor, &form.departments).await?;
    html_status(
        status_of(&errors),
        &FieldPage {
            nav: Nav::sub("fields"),
            notice,
            id,
            title: crate::view::field_label(&i, &def),
            kind: type_label(&i, def.field_type),
            form,
            departments,
            errors,
            page,
        },
    )
}

/// A custom field's settings.
pub async fn field(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("saved", "done.saved")]);
    render_field(&state, &headers, &s, id, None, FormErrors::default(), notice).await
}

/// Saves a custom field (key and type stay).
pub async fn update_field(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let result = match field_input(&form, false) {
        Ok(input) => state.desk.update_custom_field(&s.actor, CustomFieldId(id), input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/admin/custom-fields/{id}?done=saved"))),
        Err(e) => {
            let errors = field_errors(&i, e)?;
            render_field(&state, &headers, &s, id, Some(FieldValues::from_form(&form)), errors, None).await
        }
    }
}

/// Removes a custom field.
pub async fn delete_field(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    match state.desk.delete_custom_field(&s.actor, CustomFieldId(id)).await {
        Ok(()) => Ok(see_other("/admin/custom-fields?done=deleted")),
        Err(e) => {
            let errors = form_errors(&i, e)?;
            render_field(&state, &headers, &s, id, None, errors, None).await
        }
    }
}

// ---- statuses ------------------------------------------------------------------------------------

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

// ---- API tokens ---------------------------------------------------------------------------------

/// Whose tokens.
#[derive(Debug, Default, Deserialize)]
pub struct TokensQuery {
    /// A user id (default: yours).
    user: Option<String>,
    done: Option<String>,
}

/// A token as a row of the list.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// Id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// The public half.
    pub identifier: String,
    /// Created.
    pub created: Stamp,
    /// Revoked.
    pub revoked: Option<Stamp>,
}

/// A token just made, shown once.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Bearer token.
    pub token: String,
    /// Public half.
    pub identifier: String,
    /// Secret half.
    pub secret: String,
    /// Whom it acts as.
    pub owner: String,
}

/// What the new-token form shows.
#[derive(Debug, Clone, Default)]
pub struct TokenValues {
    /// Name.
    pub name: String,
    /// For this user (empty: yourself).
    pub user_email: String,
}

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    /// The user whose tokens are listed, when not yourself: (id, name, e-mail).
    other: Option<(i64, String, String)>,
    rows: Vec<TokenRow>,
    issued: Option<Issued>,
    form: TokenValues,
    errors: FormErrors,
}

async fn render_tokens(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    user: Option<UserId>,
    extra: (TokenValues, FormErrors, Option<Issued>, Option<String>),
) -> Result<Response, WebError> {
    let (mut form, errors, issued, notice) = extra;
    let user = user.filter(|u| *u != s.user.id);
    let here = user.map_or_else(|| "/admin/tokens".to_string(), |u| format!("/admin/tokens?user={u}"));
    let page = Page::new(state, headers, Some(s), "admin", &here);
    let other = match user {
        Some(u) => {
            let v = state.desk.user(&s.actor, u).await?;
            if form.user_email.is_empty() && !errors.any() {
                form.user_email = v.user.email.to_string();
            }
            Some((u.0, v.user.name, v.user.email.to_string()))
        }
        None => None,
    };
    let rows = state
        .desk
        .list_tokens(&s.actor, user)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.0,
            name: t.name,
            identifier: t.identifier,
            created: Stamp::of(t.created_at),
            revoked: t.revoked_at.map(Stamp::of),
        })
        .collect();
    html_status(
        status_of(&errors),
        &TokensPage { nav: Nav::list("tokens"), notice, other, rows, issued, form, errors, page },
    )
}

/// Your API tokens (or a user's, with `?user=`) and a form for a new one.
pub async fn tokens(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<TokensQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("revoked", "admin.tokens.revoked")]);
    let user = q.user.as_deref().and_then(|u| u.trim().parse::<i64>().ok()).filter(|u| *u > 0).map(UserId);
    render_tokens(&state, &headers, &s, user, (TokenValues::default(), FormErrors::default(), None, notice)).await
}

/// The user an address belongs to, through the desk's user search.
async fn user_by_email(state: &WebState, actor: &Actor, raw: &str) -> Result<User, DeskError> {
    let email = Email::parse(raw).map_err(|_| invalid("user_email", "invalid_email"))?;
    let wanted = email.normalized();
    let q = UserQuery { search: Some(wanted.clone()), limit: 200, ..UserQuery::default() };
    state
        .desk
        .list_users(actor, q)
        .await?
        .into_iter()
        .find(|u| u.email.normalized() == wanted)
        .ok_or_else(|| invalid("user_email", "unknown_user"))
}

/// Makes a token and shows it, once.
pub async fn create_token(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let values = TokenValues {
        name: form.get("name").unwrap_or_default().to_string(),
        user_email: form.get("user_email").unwrap_or_default().trim().to_string(),
    };
    let owner = if values.user_email.is_empty() {
        Ok(s.user.clone())
    } else {
        user_by_email(&state, &s.actor, &values.user_email).await
    };
    let result = match owner {
        Ok(owner) => {
            let input = TokenInput { name: form.text("name"), user_id: Some(owner.id) };
            state.desk.create_token(&s.actor, input).await.map(|t| (owner, t))
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((owner, t)) => {
            let issued = Issued {
                token: t.token,
                identifier: t.record.identifier,
                secret: t.secret,
                owner: format!("{} <{}>", owner.name, owner.email),
            };
            let notice = Some(i.t("admin.tokens.created").to_string());
            let extra = (TokenValues::default(), FormErrors::default(), Some(issued), notice);
            render_tokens(&state, &headers, &s, Some(owner.id), extra).await
        }
        Err(e) => {
            let mut errors = form_errors(&i, e)?;
            // The desk names the owner `user_id`; the form asks for an address.
            if let Some(m) = errors.by_field.remove("user_id") {
                errors.add("user_email", m);
            }
            let user = form.id("user").map(UserId);
            render_tokens(&state, &headers, &s, user, (values, errors, None, None)).await
        }
    }
}

/// Revokes a token, then back to the list it was on.
pub async fn revoke_token(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    state.desk.revoke_token(&s.actor, TokenId(id)).await?;
    Ok(see_other(&match form.id("user") {
        Some(u) => format!("/admin/tokens?user={u}&done=revoked"),
        None => "/admin/tokens?done=revoked".to_string(),
    }))
}
