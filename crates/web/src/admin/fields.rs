//! Custom fields (`/admin/custom-fields`): the list with a form to add
//! one, and a field's page (labels per language, type, options, who sees
//! and edits it, its departments).

use super::common::{DoneQuery, Nav, form_errors, invalid, notice, optional_number, require_admin, status_of, yes_no};
use crate::WebState;
use crate::forms::Form;
use crate::i18n::{I18n, Lang};
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::choice::{Choice, choices};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use std::collections::{BTreeMap, HashMap};
use tessera_core::ids::{CustomFieldId, DepartmentId};
use tessera_core::{Actor, CustomFieldDef, FieldType};
use tessera_desk::{CustomFieldInput, DeskError};

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
    lang: crate::i18n::Lang,
    checked: &[i64],
) -> Result<(Vec<DepartmentBox>, HashMap<i64, String>), WebError> {
    let mut all = state.desk.list_departments(actor).await?;
    crate::view::choice::sort_departments(lang, &mut all, |d| &d.department);
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
    let (departments, names) = department_boxes(state, &s.actor, page.i.lang, &form.departments).await?;
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
    let (departments, _) = department_boxes(state, &s.actor, page.i.lang, &form.departments).await?;
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
