//! Users (`/admin/users`): the list by role with search and paging, a
//! form to add one, and a user's page (role, organization, language,
//! password, disabling).

use super::common::{DoneQuery, Nav, form_errors, invalid, notice, require_admin, role_label, status_of};
use crate::WebState;
use crate::forms::{Form, encode};
use crate::i18n::{I18n, Lang};
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::Stamp;
use crate::view::choice::{Choice, choices};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use tessera_core::ids::{DepartmentId, OrganizationId, UserId};
use tessera_core::{Email, Organization, Role, User};
use tessera_desk::{CreateUser, DeskError, UpdateUser};
use tessera_store::UserQuery;

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
    /// Departments ticked (agents and admins).
    pub departments: Vec<i64>,
}

/// A department as a checkbox of the user forms.
#[derive(Debug, Clone)]
pub struct DeptBox {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Ticked.
    pub checked: bool,
}

/// The departments as checkboxes, by name in the reader's language.
async fn department_boxes(state: &WebState, s: &SignedIn, i: &I18n, ticked: &[i64]) -> Result<Vec<DeptBox>, WebError> {
    let mut depts: Vec<_> = state.desk.list_departments(&s.actor).await?.into_iter().map(|d| d.department).collect();
    crate::view::choice::sort_departments(i.lang, &mut depts, |d| d);
    Ok(depts.into_iter().map(|d| DeptBox { id: d.id.0, checked: ticked.contains(&d.id.0), name: d.name }).collect())
}

/// The departments ticked on a user form.
fn ticked_departments(f: &Form) -> Vec<i64> {
    f.all("department_ids").iter().filter_map(|v| v.trim().parse().ok()).collect()
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
    departments: Vec<DeptBox>,
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
            departments: department_boxes(state, s, &i, &form.departments).await?,
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
        departments: ticked_departments(&form),
    };
    let input = (|| -> Result<CreateUser, DeskError> {
        let email = Email::parse(&values.email)?;
        let role = Role::parse(&values.role).ok_or_else(|| invalid("role", "invalid_option"))?;
        if !role.is_staff() && !values.departments.is_empty() {
            return Err(DeskError::invalid(
                "department_ids",
                "not_an_agent",
                "only agents and admins belong to departments",
            ));
        }
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
    // An agent or admin joins the departments ticked (the desk refuses
    // them for a customer).
    let result = match result {
        Ok(v) if !values.departments.is_empty() => {
            let ids: Vec<DepartmentId> = values.departments.iter().copied().map(DepartmentId).collect();
            state.desk.set_user_departments(&s.actor, v.user.id, &ids).await
        }
        other => other,
    };
    match result {
        // The list is in the order users were made, 50 a page: the new
        // user would be on its last page. Show them, found by address.
        Ok(view) => Ok(see_other(&format!("/admin/users?q={}&done=created", encode(view.user.email.as_str())))),
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
    /// Departments ticked.
    pub departments: Vec<i64>,
}

impl UserValues {
    fn of(u: &User, departments: &[DepartmentId]) -> Self {
        Self {
            departments: departments.iter().map(|d| d.0).collect(),
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
            departments: ticked_departments(f),
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
    departments: Vec<DeptBox>,
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
    let form = form.unwrap_or_else(|| UserValues::of(u, &view.department_ids));
    let orgs = state.desk.list_organizations(&s.actor).await?;
    let departments = department_boxes(state, s, &i, &form.departments).await?;
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
    // Agents and admins keep the departments ticked; a customer (or a
    // former agent) belongs to none, and the desk has taken them away.
    let result = match result {
        Ok(v) if v.user.role.is_staff() => {
            let ids: Vec<DepartmentId> = ticked_departments(&form).into_iter().map(DepartmentId).collect();
            state.desk.set_user_departments(&s.actor, v.user.id, &ids).await
        }
        other => other,
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

fn role_choices(i: &I18n, selected: &str) -> Vec<Choice> {
    choices([Role::Customer, Role::Agent, Role::Admin].map(|r| (r.as_str().to_string(), role_label(i, r))), selected)
}

fn lang_choices(selected: &str) -> Vec<Choice> {
    choices(Lang::ALL.map(|l| (l.code().to_string(), l.native_name().to_string())), selected)
}

fn organization_choices(i: &I18n, orgs: &[Organization], selected: &str) -> Vec<Choice> {
    let mut sorted: Vec<&Organization> = orgs.iter().collect();
    crate::view::choice::sort_by_name(i.lang, &mut sorted, |o| o.name.as_str(), |o| o.id);
    let mut items = vec![(String::new(), i.t("admin.users.no_organization").to_string())];
    items.extend(sorted.into_iter().map(|o| (o.id.to_string(), o.name.clone())));
    choices(items, selected)
}
