//! The agent's views screen (`/agent/views`): the views an agent may use,
//! their own personal ones to create, change, switch off, remove and put in
//! order; admins also share views with everyone or with departments. A
//! view's conditions are edited as rows of field, comparison and value; the
//! desk checks them exactly as for `POST /api/v1/views`, and its messages
//! come back next to the row they concern, with everything typed kept.

use crate::WebState;
use crate::agent::{require_agent, view_label};
use crate::forms::Form;
use crate::i18n::I18n;
use crate::page::{FormErrors, Page, WebError, desk_message, html, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf};
use crate::view::Lookup;
use crate::view::choice::{Choice, choices};
use crate::view::priority_label;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use tessera_core::ids::{DepartmentId, ViewId};
use tessera_core::status::StatusCategory;
use tessera_core::ticket::{Priority, Source, TicketType};
use tessera_core::view::{
    COLUMNS, Condition, Conditions, Field, MAX_COLUMNS, MAX_CONDITIONS, Operator, SORTS, ViewSort,
};
use tessera_desk::DeskError;
use tessera_desk::views::{DEFAULT_COLUMNS, ViewInput, can_edit};
use tessera_store::ViewRecord;

/// Every comparison, in the order the form offers them.
const OPERATORS: [Operator; 13] = [
    Operator::Is,
    Operator::IsNot,
    Operator::In,
    Operator::NotIn,
    Operator::LessThan,
    Operator::GreaterThan,
    Operator::Contains,
    Operator::NotContains,
    Operator::Present,
    Operator::Absent,
    Operator::WithinLast,
    Operator::OlderThan,
    Operator::WithinNext,
];

/// Empty condition rows a new view's form starts with.
const BLANK_ROWS: usize = 3;

fn operator(s: &str) -> Option<Operator> {
    OPERATORS.iter().copied().find(|o| o.as_str() == s)
}

/// A field's name in the page's language.
fn field_name(i: &I18n, l: &Lookup, field: &str) -> String {
    match field.strip_prefix("custom_fields.") {
        Some(key) => l.field_label(i, key),
        None => {
            let key = format!("views.f.{field}");
            let text = i.t(&key);
            if text == key { field.to_string() } else { text.to_string() }
        }
    }
}

/// A condition value as the form shows it.
fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(value_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// One typed value as JSON: yes/no for flags, numbers for ids and numeric
/// custom field values, text otherwise.
fn scalar(field: &str, t: &str) -> Value {
    let flag = |t: &str| match t.to_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    };
    match field {
        "locked" | "archived" | "queue_boost" => flag(t).map_or_else(|| Value::String(t.into()), Value::Bool),
        f if f.ends_with("_id") => t.parse::<i64>().map_or_else(|_| Value::String(t.into()), Value::from),
        f if f.starts_with("custom_fields.") => {
            if let Ok(n) = t.parse::<i64>() {
                Value::from(n)
            } else if let Some(n) = t.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                Value::Number(n)
            } else if let Some(b) = flag(t).filter(|_| !t.chars().all(|c| c.is_ascii_digit())) {
                Value::Bool(b)
            } else {
                Value::String(t.into())
            }
        }
        _ => Value::String(t.into()),
    }
}

/// The value typed in a row as the condition's JSON value.
fn typed_value(field: &str, op: Operator, text: &str) -> Value {
    let text = text.trim();
    match op {
        Operator::Present | Operator::Absent => Value::Null,
        _ if text.is_empty() => Value::Null,
        Operator::WithinLast | Operator::OlderThan => {
            text.parse::<i64>().map_or_else(|_| Value::String(text.into()), Value::from)
        }
        Operator::In | Operator::NotIn => {
            Value::Array(text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(|t| scalar(field, t)).collect())
        }
        _ => scalar(field, text),
    }
}

// ---- the list ----------------------------------------------------------------------------------

/// A view in the list.
#[derive(Debug, Clone)]
pub struct ViewLine {
    /// Id.
    pub id: i64,
    /// Name.
    pub label: String,
    /// Who sees it, in words.
    pub audience: String,
    /// Its conditions, in words.
    pub summary: Vec<String>,
    /// Shown in the console.
    pub active: bool,
    /// The viewer may change it.
    pub editable: bool,
    /// It can move up / down among the views the viewer may change.
    pub up: bool,
    /// See `up`.
    pub down: bool,
}

#[derive(Template)]
#[template(path = "agent_views.html")]
struct ViewsPage {
    page: Page,
    lines: Vec<ViewLine>,
    notice: Option<String>,
}

/// `?done=` after a change.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn audience(i: &I18n, l: &Lookup, v: &ViewRecord) -> String {
    if v.owner_id.is_some() {
        i.t("views.audience_personal").to_string()
    } else if v.department_ids.is_empty() {
        i.t("views.audience_everyone").to_string()
    } else {
        let names: Vec<String> = v.department_ids.iter().map(|d| l.department(*d)).collect();
        i.t1("views.audience_departments", names.join(", "))
    }
}

fn summary(i: &I18n, l: &Lookup, pick: &Pickable, c: &Conditions) -> Vec<String> {
    let line = |c: &Condition| {
        let v = pick.said(i, &c.field, &value_text(&c.value));
        let op = i.t(&format!("views.op.{}", c.operator.as_str())).to_string();
        let text = format!("{} {op} {v}", field_name(i, l, &c.field));
        text.trim_end().to_string()
    };
    let mut out: Vec<String> = c.all.iter().map(line).collect();
    if !c.any.is_empty() {
        let any: Vec<String> = c.any.iter().map(line).collect();
        out.push(i.t1("views.summary_any", any.join(" · ")));
    }
    out
}

/// The views screen.
pub async fn list(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_agent(&s)?;
    let page = Page::new(&state, &headers, Some(&s), "agent", "/agent/views");
    let i = page.i;
    let l = Lookup::load(&state.desk, &s.actor).await?;
    let pick = Pickable::load(&state, &s, &i, &l).await?;
    let views = state.desk.list_views(&s.actor, false).await?;
    let editable: Vec<ViewId> = views.iter().filter(|v| can_edit(&s.actor, v)).map(|v| v.id).collect();
    let lines = views
        .iter()
        .map(|v| {
            let at = editable.iter().position(|id| *id == v.id);
            ViewLine {
                id: v.id.0,
                label: view_label(&i, v),
                audience: audience(&i, &l, v),
                summary: summary(&i, &l, &pick, &v.conditions),
                active: v.active,
                editable: at.is_some(),
                up: at.is_some_and(|a| a > 0),
                down: at.is_some_and(|a| a + 1 < editable.len()),
            }
        })
        .collect();
    let notice = match q.done.as_deref() {
        Some(d @ ("saved" | "deleted" | "moved")) => Some(i.t(&format!("views.done_{d}")).to_string()),
        _ => None,
    };
    html(&ViewsPage { page, lines, notice })
}

// ---- the form ----------------------------------------------------------------------------------

/// A condition row of the form.
#[derive(Debug, Clone)]
pub struct CondRow {
    /// Index (names and ids of its inputs).
    pub n: usize,
    /// `all` or `any`.
    pub groups: Vec<Choice>,
    /// The fields.
    pub fields: Vec<Choice>,
    /// The comparisons.
    pub operators: Vec<Choice>,
    /// The value as typed.
    pub value: String,
    /// The values to pick from, in the reader's language (empty: the value
    /// is typed).
    pub values: Vec<Choice>,
    /// Several values may be picked (`is one of`, `is none of`).
    pub multiple: bool,
    /// The comparison takes no value (`is set`, `is empty`).
    pub no_value: bool,
    /// What the typed value is (hours, a date, a number…).
    pub value_hint: String,
}

/// A checkbox.
#[derive(Debug, Clone)]
pub struct Check {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Ticked.
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "agent_view.html")]
struct ViewFormPage {
    page: Page,
    /// `None`: a new view.
    id: Option<i64>,
    heading: String,
    title: String,
    active: bool,
    /// Who sees it, when it cannot change (editing).
    audience: Option<String>,
    /// The choice of audience (`me`, `everyone`, `departments`), when there is one.
    shares: Vec<Choice>,
    departments: Vec<Check>,
    rows: Vec<CondRow>,
    columns: Vec<Check>,
    sorts: Vec<Choice>,
    orders: Vec<Choice>,
    errors: FormErrors,
    max_columns: usize,
}

/// What the form holds, typed or loaded.
#[derive(Debug, Clone, Default)]
struct Draft {
    title: String,
    active: bool,
    /// `me`, `everyone` or `departments`.
    share: String,
    department_ids: Vec<i64>,
    /// (group, field, operator, value).
    rows: Vec<(String, String, String, String)>,
    columns: Vec<String>,
    sort_by: String,
    order: String,
}

impl Draft {
    fn new_view() -> Self {
        Self {
            active: true,
            share: "me".into(),
            rows: vec![Default::default(); BLANK_ROWS],
            columns: DEFAULT_COLUMNS.iter().map(|c| c.to_string()).collect(),
            sort_by: "queue".into(),
            order: "desc".into(),
            ..Self::default()
        }
    }

    fn of(v: &ViewRecord) -> Self {
        let mut rows: Vec<(String, String, String, String)> = Vec::new();
        for (group, list) in [("all", &v.conditions.all), ("any", &v.conditions.any)] {
            for c in list {
                rows.push((group.into(), c.field.clone(), c.operator.as_str().into(), value_text(&c.value)));
            }
        }
        rows.push(Default::default());
        while rows.len() < BLANK_ROWS {
            rows.push(Default::default());
        }
        Self {
            title: v.title.clone(),
            active: v.active,
            share: if v.owner_id.is_some() {
                "me".into()
            } else if v.department_ids.is_empty() {
                "everyone".into()
            } else {
                "departments".into()
            },
            department_ids: v.department_ids.iter().map(|d| d.0).collect(),
            rows,
            columns: v.columns.clone(),
            sort_by: v.sort.by.clone(),
            order: v.sort.order.clone(),
        }
    }

    fn from_form(form: &Form) -> Self {
        let mut rows = Vec::new();
        for n in 0..MAX_CONDITIONS + 10 {
            let Some(field) = form.get(&format!("c{n}_field")) else { break };
            let get = |k: &str| form.get(&format!("c{n}_{k}")).unwrap_or_default().to_string();
            // A list of values picked (several for `is one of`) joins with commas.
            let picked: Vec<&str> =
                form.all(&format!("c{n}_value")).into_iter().map(str::trim).filter(|v| !v.is_empty()).collect();
            let value = if picked.len() > 1 { picked.join(", ") } else { get("value") };
            rows.push((get("group"), field.to_string(), get("op"), value));
        }
        Self {
            title: form.get("title").unwrap_or_default().to_string(),
            active: form.checked("active"),
            share: form.get("share").unwrap_or("me").to_string(),
            department_ids: form.all("department_ids").iter().filter_map(|d| d.parse().ok()).collect(),
            rows,
            columns: form.all("columns").iter().map(|c| c.to_string()).collect(),
            sort_by: form.get("sort_by").unwrap_or("queue").to_string(),
            order: form.get("order").unwrap_or("desc").to_string(),
        }
    }
}

/// The fields a condition can look at: the built-in ones, then custom fields.
fn field_choices(i: &I18n, l: &Lookup) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), i.t("views.choose_field").to_string())];
    out.extend(Field::NAMES.iter().map(|f| (f.to_string(), field_name(i, l, f))));
    out.extend(l.fields.iter().map(|d| (format!("custom_fields.{}", d.key), crate::view::field_label(i, d))));
    out
}

async fn render(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    existing: Option<&ViewRecord>,
    draft: Draft,
    errors: FormErrors,
) -> Result<Response, WebError> {
    let here = existing.map_or_else(|| "/agent/views/new".to_string(), |v| format!("/agent/views/{}", v.id));
    let page = Page::new(state, headers, Some(s), "agent", &here);
    let i = page.i;
    let l = Lookup::load(&state.desk, &s.actor).await?;
    let fields = field_choices(&i, &l);
    let pick = Pickable::load(state, s, &i, &l).await?;
    let groups = [("all", "views.group_all"), ("any", "views.group_any")];
    let rows = draft
        .rows
        .iter()
        .enumerate()
        .map(|(n, (group, field, op, value))| {
            // The comparisons the field takes (all of them before a field is chosen).
            let allowed: Vec<Operator> = match Field::parse(field) {
                Some(f) => f.operators().to_vec(),
                None => OPERATORS.to_vec(),
            };
            let op = operator(op).filter(|o| allowed.contains(o)).unwrap_or(allowed[0]);
            let ops = OPERATORS
                .iter()
                .filter(|o| allowed.contains(o))
                .map(|o| (o.as_str().to_string(), i.t(&format!("views.op.{}", o.as_str())).to_string()));
            let no_value = matches!(op, Operator::Present | Operator::Absent);
            let typed_kind = matches!(op, Operator::WithinLast | Operator::OlderThan | Operator::WithinNext);
            let values = if no_value || typed_kind { Vec::new() } else { pick.values(&i, field, value) };
            let value_hint = if typed_kind {
                i.t("views.hint_hours").to_string()
            } else if field.ends_with("_at") {
                i.t("views.hint_date").to_string()
            } else {
                String::new()
            };
            CondRow {
                n,
                groups: choices(groups.iter().map(|(k, t)| (k.to_string(), i.t(t).to_string())), group),
                fields: choices(fields.clone(), field),
                operators: choices(ops, op.as_str()),
                value: value.clone(),
                multiple: matches!(op, Operator::In | Operator::NotIn) && !values.is_empty(),
                values,
                no_value,
                value_hint,
            }
        })
        .collect();
    // Chosen columns first, in their order, then the others.
    let mut columns: Vec<Check> = draft
        .columns
        .iter()
        .filter(|c| COLUMNS.contains(&c.as_str()))
        .map(|c| Check { value: c.clone(), label: i.t(&format!("col.{c}")).to_string(), checked: true })
        .collect();
    columns.extend(COLUMNS.iter().filter(|c| !draft.columns.iter().any(|d| d == *c)).map(|c| Check {
        value: c.to_string(),
        label: i.t(&format!("col.{c}")).to_string(),
        checked: false,
    }));
    let sort_label = |by: &str| match by {
        "queue" => i.t("views.sort_queue").to_string(),
        "sla_due" => i.t("views.sort_sla_due").to_string(),
        _ => i.t(&format!("col.{by}")).to_string(),
    };
    let sorts = choices(SORTS.iter().map(|b| (b.to_string(), sort_label(b))), &draft.sort_by);
    let orders = choices(
        [("desc", "views.order_desc"), ("asc", "views.order_asc")]
            .iter()
            .map(|(k, t)| (k.to_string(), i.t(t).to_string())),
        &draft.order,
    );
    let admin = s.actor.is_admin();
    let shares = match existing {
        None if admin => vec![
            ("me", "views.share_me"),
            ("everyone", "views.share_everyone"),
            ("departments", "views.share_departments"),
        ],
        Some(v) if admin && v.owner_id.is_none() => {
            vec![("everyone", "views.share_everyone"), ("departments", "views.share_departments")]
        }
        _ => vec![],
    };
    let shares = choices(shares.iter().map(|(k, t)| (k.to_string(), i.t(t).to_string())), &draft.share);
    let mut departments: Vec<Check> = if shares.is_empty() {
        Vec::new()
    } else {
        l.departments_by_name(&i)
            .into_iter()
            .map(|d| Check {
                value: d.id.to_string(),
                label: d.name.clone(),
                checked: draft.department_ids.contains(&d.id.0),
            })
            .collect()
    };
    departments.sort_by_key(|d| d.label.to_lowercase());
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let t = ViewFormPage {
        id: existing.map(|v| v.id.0),
        heading: existing.map_or_else(|| i.t("views.new").to_string(), |v| view_label(&i, v)),
        title: draft.title,
        active: draft.active,
        audience: existing.filter(|_| shares.is_empty()).map(|v| audience(&i, &l, v)),
        shares,
        departments,
        rows,
        columns,
        sorts,
        orders,
        errors,
        max_columns: MAX_COLUMNS,
        page,
    };
    html_status(status, &t)
}

/// A new view's form.
pub async fn new_page(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    require_agent(&s)?;
    render(&state, &headers, &s, None, Draft::new_view(), FormErrors::default()).await
}

async fn editable_view(state: &WebState, s: &SignedIn, id: i64) -> Result<ViewRecord, WebError> {
    let v = state.desk.view(&s.actor, ViewId(id)).await?;
    if can_edit(&s.actor, &v) { Ok(v) } else { Err(WebError::Forbidden) }
}

/// A view's form.
pub async fn edit_page(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    require_agent(&s)?;
    let v = editable_view(&state, &s, id).await?;
    let draft = Draft::of(&v);
    render(&state, &headers, &s, Some(&v), draft, FormErrors::default()).await
}

/// Where a desk error shows: on its condition's row, or next to a field of
/// the form (`_`: the form's alert).
fn place_error(i: &I18n, e: &DeskError, rows: &[(usize, Operator, String)], errors: &mut FormErrors) {
    let path = e.field().unwrap_or("_").to_string();
    let index = |list: &str| -> Option<usize> {
        let rest = path.strip_prefix(&format!("conditions.{list}["))?;
        rest.split(']').next()?.parse().ok()
    };
    for group in ["all", "any"] {
        // The k-th condition of a list is the k-th row of that group.
        if let Some(k) = index(group)
            && let Some((row, op, _)) = rows.iter().filter(|(_, _, g)| g == group).nth(k)
        {
            errors.add(&format!("c{row}"), row_message(i, *row, *op, e.code(), &path));
            return;
        }
    }
    let (_, message) = desk_message(i, e);
    let to = match path.split(['.', '[']).next().unwrap_or("_") {
        "title" => "title",
        "department_ids" => "department_ids",
        "personal" => "share",
        "conditions" => "conditions",
        "columns" => "columns",
        "sort" => "sort",
        _ => "_",
    };
    errors.add(to, message);
}

/// The message of a condition row's error.
fn row_message(i: &I18n, row: usize, op: Operator, code: &str, path: &str) -> String {
    let n = row + 1;
    let key = match code {
        "unknown_field" => "views.err.field",
        "invalid_operator" => "views.err.operator",
        "required" => "views.err.required",
        _ if matches!(op, Operator::WithinLast | Operator::OlderThan) => "views.err.hours",
        _ if path.ends_with(".value") && matches!(op, Operator::LessThan | Operator::GreaterThan) => {
            "views.err.compare"
        }
        _ => "views.err.value",
    };
    i.t1(key, n)
}

/// Checks and saves the form (new when `existing` is `None`).
async fn save(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    existing: Option<ViewRecord>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(s, headers, form.get("_csrf"))?;
    require_agent(s)?;
    let i = crate::session::i18n_for(headers, Some(s));
    let mut draft = Draft::from_form(&form);
    if form.get("do") == Some("add") {
        draft.rows.push(Default::default());
        return render(state, headers, s, existing.as_ref(), draft, FormErrors::default()).await;
    }
    if form.get("do") == Some("refresh") {
        // A field changed: its comparisons and values, nothing saved.
        return render(state, headers, s, existing.as_ref(), draft, FormErrors::default()).await;
    }
    let mut errors = FormErrors::default();
    if draft.title.trim().is_empty() {
        errors.add("title", i.t("err.required").replace("{0}", i.t("views.title_col")));
    }
    // Rows as conditions; empty rows are left out.
    let statuses = state.desk.statuses().await?;
    let mut conditions = Conditions::default();
    let mut placed: Vec<(usize, Operator, String)> = Vec::new();
    for (n, (group, field, op, value)) in draft.rows.iter().enumerate() {
        if field.is_empty() {
            if !value.trim().is_empty() {
                errors.add(&format!("c{n}"), i.t1("views.err.field", n + 1));
            }
            continue;
        }
        let Some(op) = operator(op) else {
            errors.add(&format!("c{n}"), i.t1("views.err.operator", n + 1));
            continue;
        };
        let v = typed_value(field, op, value);
        if field == "status" {
            let known = |k: &str| statuses.iter().any(|st| st.key.as_str() == k) || StatusCategory::parse(k).is_some();
            let names: Vec<String> = match &v {
                Value::Array(a) => a.iter().map(value_text).collect(),
                Value::Null => vec![],
                other => vec![value_text(other)],
            };
            if let Some(bad) = names.iter().find(|k| !known(k)) {
                errors.add(&format!("c{n}"), i.t2("views.err.status", n + 1, bad));
                continue;
            }
        }
        let group = if group == "any" { "any" } else { "all" };
        let c = Condition { field: field.clone(), operator: op, value: v };
        // Each row is checked on its own, so that every row in error is
        // named, not only the first (the desk checks them all again).
        if let Err(e) = c.check(&format!("conditions.{group}[0]")) {
            let e = DeskError::from(e);
            errors.add(&format!("c{n}"), row_message(&i, n, op, e.code(), e.field().unwrap_or("")));
            continue;
        }
        placed.push((n, op, group.to_string()));
        if group == "any" { conditions.any.push(c) } else { conditions.all.push(c) }
    }
    if draft.columns.is_empty() || draft.columns.len() > MAX_COLUMNS {
        errors.add("columns", i.t1("views.err.columns", MAX_COLUMNS));
    }
    let shared = existing.as_ref().map_or(draft.share != "me" && s.actor.is_admin(), |v| v.owner_id.is_none());
    if shared && draft.share == "departments" && draft.department_ids.is_empty() {
        errors.add("department_ids", i.t("views.err.departments").to_string());
    }
    if errors.any() {
        return render(state, headers, s, existing.as_ref(), draft, errors).await;
    }
    let title = draft.title.trim().to_string();
    let input = ViewInput {
        // A default view keeps its translated name unless its title is changed.
        title: match &existing {
            Some(v) if v.title == title => None,
            _ => Some(title),
        },
        personal: if existing.is_some() { None } else { Some(!shared) },
        department_ids: shared.then(|| {
            if draft.share == "departments" {
                draft.department_ids.iter().map(|d| DepartmentId(*d)).collect()
            } else {
                vec![]
            }
        }),
        active: Some(draft.active),
        conditions: Some(conditions),
        columns: Some(draft.columns.clone()),
        sort: Some(ViewSort { by: draft.sort_by.clone(), order: draft.order.clone() }),
        description: None,
    };
    let result = match &existing {
        Some(v) => state.desk.update_view(&s.actor, v.id, input).await,
        None => state.desk.create_view(&s.actor, input).await,
    };
    match result {
        Ok(v) if existing.is_none() => Ok(see_other(&format!("/agent?view={}&done=view_created", v.id))),
        Ok(_) => Ok(see_other("/agent/views?done=saved")),
        Err(e @ (DeskError::Forbidden { .. } | DeskError::NotFound { .. })) => Err(e.into()),
        Err(e) => {
            place_error(&i, &e, &placed, &mut errors);
            render(state, headers, s, existing.as_ref(), draft, errors).await
        }
    }
}

/// Creates a view.
pub async fn create(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    save(&state, &headers, &s, None, form).await
}

/// Saves a view.
pub async fn update(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_agent(&s)?;
    let v = editable_view(&state, &s, id).await?;
    save(&state, &headers, &s, Some(v), form).await
}

/// Shows or hides a view in the console.
pub async fn set_active(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_agent(&s)?;
    let active = form.get("active") == Some("1");
    let input = ViewInput { active: Some(active), ..ViewInput::default() };
    state.desk.update_view(&s.actor, ViewId(id), input).await?;
    Ok(see_other("/agent/views?done=saved"))
}

/// Removes a view.
pub async fn delete(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_agent(&s)?;
    state.desk.delete_view(&s.actor, ViewId(id)).await?;
    Ok(see_other("/agent/views?done=deleted"))
}

/// Moves a view one place up or down among those the agent may change.
pub async fn move_view(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_agent(&s)?;
    let views = state.desk.list_views(&s.actor, false).await?;
    // A view the agent may use but not change (a shared one) is theirs to
    // see, not to move.
    match views.iter().find(|v| v.id.0 == id) {
        None => return Err(WebError::NotFound),
        Some(v) if !can_edit(&s.actor, v) => return Err(WebError::Forbidden),
        Some(_) => {}
    }
    let mut ids: Vec<ViewId> = views.iter().filter(|v| can_edit(&s.actor, v)).map(|v| v.id).collect();
    let at = ids.iter().position(|v| v.0 == id).ok_or(WebError::NotFound)?;
    let to = match form.get("dir") {
        Some("up") if at > 0 => at - 1,
        Some("down") if at + 1 < ids.len() => at + 1,
        Some("up" | "down") => at,
        _ => return Err(WebError::BadRequest("dir is up or down".into())),
    };
    if to != at {
        ids.swap(at, to);
        state.desk.reorder_views(&s.actor, &ids).await?;
    }
    Ok(see_other(&format!("/agent/views?done=moved#view-{id}")))
}

/// What condition values are picked from: statuses, departments, agents,
/// organizations (the rest is typed).
struct Pickable {
    statuses: Vec<(String, String)>,
    departments: Vec<(String, String)>,
    agents: Vec<(String, String)>,
    organizations: Vec<(String, String)>,
}

impl Pickable {
    async fn load(state: &WebState, s: &SignedIn, i: &I18n, l: &Lookup) -> Result<Self, WebError> {
        let statuses = l
            .statuses
            .iter()
            .map(|st| (st.key.to_string(), crate::view::status_label(i, &l.statuses, st.key.as_str())))
            .collect();
        let departments = l.departments_by_name(i).into_iter().map(|d| (d.id.to_string(), d.name.clone())).collect();
        let agents = crate::agent::staff_users(state, &s.actor, i.lang)
            .await?
            .into_iter()
            .map(|u| (u.id.to_string(), u.name))
            .collect();
        let mut orgs = state.desk.list_organizations(&s.actor).await?;
        crate::view::choice::sort_by_name(i.lang, &mut orgs, |o| o.name.as_str(), |o| o.id);
        let organizations = orgs.into_iter().map(|o| (o.id.to_string(), o.name)).collect();
        Ok(Self { statuses, departments, agents, organizations })
    }

    /// Values as the reader says them (`current_user` is "me", an id its
    /// name); what is typed stays as it is.
    fn said(&self, i: &I18n, field: &str, value: &str) -> String {
        let offered = self.values(i, field, "");
        if offered.is_empty() {
            return value.to_string();
        }
        value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| offered.iter().find(|c| c.value == v).map_or_else(|| v.to_string(), |c| c.label.clone()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The values of `field` to pick from, with those of `current` marked
    /// (a value no longer offered, say a removed status, stays offered).
    fn values(&self, i: &I18n, field: &str, current: &str) -> Vec<Choice> {
        let me = || (String::from("current_user"), i.t("views.v.me").to_string());
        let mut items: Vec<(String, String)> = match field {
            "status" => self.statuses.clone(),
            "status_category" => [
                StatusCategory::New,
                StatusCategory::Open,
                StatusCategory::Pending,
                StatusCategory::Hold,
                StatusCategory::Solved,
                StatusCategory::Closed,
            ]
            .iter()
            .map(|c| (c.as_str().to_string(), i.t(&format!("admin.category.{}", c.as_str())).to_string()))
            .collect(),
            "priority" => Priority::ALL.iter().map(|p| (p.as_str().to_string(), priority_label(i, *p))).collect(),
            "type" => TicketType::ALL
                .iter()
                .map(|t| (t.as_str().to_string(), i.t(&format!("type.{}", t.as_str())).to_string()))
                .collect(),
            "source" => Source::ALL
                .iter()
                .map(|t| (t.as_str().to_string(), i.t(&format!("source.{}", t.as_str())).to_string()))
                .collect(),
            "department_id" => {
                let mut v = vec![("current_user_departments".to_string(), i.t("views.v.my_departments").to_string())];
                v.extend(self.departments.iter().cloned());
                v
            }
            "assignee_id" | "flagged_id" => {
                let mut v = vec![me()];
                v.extend(self.agents.iter().cloned());
                v
            }
            "organization_id" => self.organizations.clone(),
            "locked" | "archived" | "queue_boost" | "sla_breached" => vec![
                ("true".to_string(), i.t("common.yes").to_string()),
                ("false".to_string(), i.t("common.no").to_string()),
            ],
            _ => return Vec::new(),
        };
        let picked: Vec<String> = current
            .split(',')
            .map(|v| v.trim().to_lowercase())
            .filter(|v| !v.is_empty())
            .map(|v| match v.as_str() {
                "yes" | "1" => "true".to_string(),
                "no" | "0" => "false".to_string(),
                _ => v,
            })
            .collect();
        for p in &picked {
            if !items.iter().any(|(k, _)| k.to_lowercase() == *p) {
                items.push((p.clone(), p.clone()));
            }
        }
        let mut out = vec![Choice { value: String::new(), label: i.t("views.v.choose").to_string(), selected: false }];
        out.extend(items.into_iter().map(|(value, label)| Choice {
            selected: picked.contains(&value.to_lowercase()),
            value,
            label,
        }));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_values_become_json_of_the_right_kind() {
        assert_eq!(typed_value("priority", Operator::Is, " urgent "), json!("urgent"));
        assert_eq!(typed_value("priority", Operator::In, "high, urgent,"), json!(["high", "urgent"]));
        assert_eq!(typed_value("assignee_id", Operator::Is, "current_user"), json!("current_user"));
        assert_eq!(typed_value("assignee_id", Operator::Is, "12"), json!(12));
        assert_eq!(typed_value("assignee_id", Operator::Absent, "ignored"), Value::Null);
        assert_eq!(typed_value("updated_at", Operator::WithinLast, "24"), json!(24));
        assert_eq!(typed_value("locked", Operator::Is, "Yes"), json!(true));
        assert_eq!(typed_value("custom_fields.seats", Operator::GreaterThan, "5"), json!(5));
        assert_eq!(typed_value("custom_fields.plan", Operator::Is, "gold"), json!("gold"));
        assert_eq!(typed_value("subject", Operator::Contains, ""), Value::Null);
        assert_eq!(value_text(&json!(["high", "urgent"])), "high, urgent");
        assert_eq!(value_text(&json!(24)), "24");
    }
}
