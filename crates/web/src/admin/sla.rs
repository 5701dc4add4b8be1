//! The SLA policies screen (`/admin/sla`): list, create, edit and delete
//! policies: name, departments, time zone, weekly hours, holidays, targets
//! per priority and the warning lead. Admins only; every change goes
//! through the desk like the API's.
//!
//! Weekly hours are typed per day as `09:00-12:00, 13:00-18:00` (empty: a
//! day off); holidays one date (`YYYY-MM-DD`) per line; targets in minutes
//! (empty: not measured).

use super::common::{DoneQuery, Nav, form_errors, notice, require_admin, status_of};
use crate::WebState;
use crate::forms::Form;
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::choice::Choice;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use tessera_core::Priority;
use tessera_core::ids::{DepartmentId, SlaPolicyId};
use tessera_core::sla::{ClockTime, Interval, PriorityTargets, ScheduleConfig, SlaMetric, Targets, Week};
use tessera_desk::sla::SlaPolicyInput;
use tessera_store::SlaPolicyRecord;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One weekday's row of the form.
#[derive(Debug, Clone)]
pub struct DayValue {
    /// `mon` … `sun`.
    pub key: &'static str,
    /// The intervals as typed.
    pub text: String,
}

/// One target input.
#[derive(Debug, Clone)]
pub struct TargetValue {
    /// The form name and error key: `targets.<priority>.<metric>_minutes`.
    pub name: String,
    /// The metric (`first_response` …), for its label.
    pub metric: &'static str,
    /// Minutes as typed.
    pub text: String,
}

/// One priority's row of targets.
#[derive(Debug, Clone)]
pub struct PriorityRow {
    /// `low` … `urgent`.
    pub key: &'static str,
    /// Its three targets.
    pub targets: Vec<TargetValue>,
}

/// What a policy form shows.
#[derive(Debug, Clone)]
pub struct PolicyValues {
    /// Name.
    pub name: String,
    /// Department ids ticked.
    pub department_ids: Vec<String>,
    /// Zone.
    pub time_zone: String,
    /// Weekly hours.
    pub days: Vec<DayValue>,
    /// Holidays, one per line.
    pub holidays: String,
    /// Targets by priority.
    pub priorities: Vec<PriorityRow>,
    /// Warning lead in minutes.
    pub warning_minutes: String,
    /// Applies.
    pub active: bool,
}

fn day_text(intervals: &[Interval]) -> String {
    intervals.iter().map(|iv| format!("{}-{}", iv.start(), iv.end())).collect::<Vec<_>>().join(", ")
}

fn target_name(p: Priority, m: SlaMetric) -> String {
    format!("targets.{}.{}_minutes", p.as_str(), m.as_str())
}

impl Default for PolicyValues {
    fn default() -> Self {
        let office = "09:00-17:00".to_string();
        let hours = |k: &str| if ["sat", "sun"].contains(&k) { String::new() } else { office.clone() };
        Self {
            name: String::new(),
            department_ids: Vec::new(),
            time_zone: "UTC".into(),
            days: DAYS.iter().map(|k| DayValue { key: k, text: hours(k) }).collect(),
            holidays: String::new(),
            priorities: Priority::ALL
                .iter()
                .map(|p| PriorityRow {
                    key: p.as_str(),
                    targets: SlaMetric::ALL
                        .iter()
                        .map(|m| TargetValue { name: target_name(*p, *m), metric: m.as_str(), text: String::new() })
                        .collect(),
                })
                .collect(),
            warning_minutes: "30".into(),
            active: true,
        }
    }
}

impl PolicyValues {
    fn of(r: &SlaPolicyRecord) -> Self {
        let p = &r.policy;
        let c = p.schedule.config();
        let week = &c.week;
        let day = |k: &str| match k {
            "mon" => &week.mon,
            "tue" => &week.tue,
            "wed" => &week.wed,
            "thu" => &week.thu,
            "fri" => &week.fri,
            "sat" => &week.sat,
            _ => &week.sun,
        };
        Self {
            name: p.name.clone(),
            department_ids: p.department_ids.iter().map(|d| d.to_string()).collect(),
            time_zone: c.time_zone.clone(),
            days: DAYS.iter().map(|k| DayValue { key: k, text: day_text(day(k)) }).collect(),
            holidays: c.holidays.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"),
            priorities: Priority::ALL
                .iter()
                .map(|pr| PriorityRow {
                    key: pr.as_str(),
                    targets: SlaMetric::ALL
                        .iter()
                        .map(|m| TargetValue {
                            name: target_name(*pr, *m),
                            metric: m.as_str(),
                            text: p.targets.get(*pr).get(*m).map(|v| v.to_string()).unwrap_or_default(),
                        })
                        .collect(),
                })
                .collect(),
            warning_minutes: p.warning_minutes.to_string(),
            active: r.active,
        }
    }

    fn from_form(f: &Form) -> Self {
        let s = |n: &str| f.get(n).unwrap_or_default().to_string();
        let mut v = Self {
            name: s("name"),
            department_ids: f.all("department_ids").into_iter().map(str::to_string).collect(),
            time_zone: s("schedule.time_zone"),
            ..Self::default()
        };
        for d in &mut v.days {
            d.text = s(&format!("schedule.week.{}", d.key));
        }
        v.holidays = s("schedule.holidays");
        for row in &mut v.priorities {
            for t in &mut row.targets {
                t.text = s(&t.name);
            }
        }
        v.warning_minutes = s("warning_minutes");
        v.active = f.checked("active");
        v
    }

    /// The desk's input, or the fields that cannot even be read.
    fn input(&self, i: &crate::i18n::I18n) -> Result<SlaPolicyInput, FormErrors> {
        let mut errors = FormErrors::default();
        let mut week = Week::default();
        for d in &self.days {
            match parse_intervals(&d.text) {
                Some(list) => {
                    let slot = match d.key {
                        "mon" => &mut week.mon,
                        "tue" => &mut week.tue,
                        "wed" => &mut week.wed,
                        "thu" => &mut week.thu,
                        "fri" => &mut week.fri,
                        "sat" => &mut week.sat,
                        _ => &mut week.sun,
                    };
                    *slot = list;
                }
                None => errors.add(&format!("schedule.week.{}", d.key), i.t("admin.sla.bad_hours").to_string()),
            }
        }
        let mut holidays = Vec::new();
        for line in self.holidays.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match chrono::NaiveDate::parse_from_str(line, "%Y-%m-%d") {
                Ok(d) => holidays.push(d),
                Err(_) => errors.add("schedule.holidays", i.t("admin.sla.bad_holiday").replace("{0}", line)),
            }
        }
        let mut targets = PriorityTargets::default();
        for (row, p) in self.priorities.iter().zip(Priority::ALL) {
            let mut t = Targets::default();
            for (v, m) in row.targets.iter().zip(SlaMetric::ALL) {
                let text = v.text.trim();
                if text.is_empty() {
                    continue;
                }
                let Ok(n) = text.parse::<u32>() else {
                    errors.add(&v.name, i.t("admin.sla.bad_minutes").to_string());
                    continue;
                };
                match m {
                    SlaMetric::FirstResponse => t.first_response_minutes = Some(n),
                    SlaMetric::NextResponse => t.next_response_minutes = Some(n),
                    SlaMetric::Resolution => t.resolution_minutes = Some(n),
                }
            }
            match p {
                Priority::Low => targets.low = t,
                Priority::Normal => targets.normal = t,
                Priority::High => targets.high = t,
                Priority::Urgent => targets.urgent = t,
            }
        }
        let warning = match self.warning_minutes.trim() {
            "" => 0,
            w => w.parse::<u32>().unwrap_or_else(|_| {
                errors.add("warning_minutes", i.t("admin.sla.bad_minutes").to_string());
                0
            }),
        };
        if errors.any() {
            return Err(errors);
        }
        Ok(SlaPolicyInput {
            name: Some(self.name.clone()),
            department_ids: Some(self.department_ids.iter().filter_map(|d| d.parse().ok()).map(DepartmentId).collect()),
            schedule: Some(ScheduleConfig { time_zone: self.time_zone.trim().to_string(), week, holidays }),
            targets: Some(targets),
            warning_minutes: Some(warning),
            active: Some(self.active),
            position: None,
        })
    }
}

/// `09:00-12:00, 13:00-18:00` into intervals (empty: none); `None` when a
/// part is not two times of day.
fn parse_intervals(text: &str) -> Option<Vec<Interval>> {
    let mut out = Vec::new();
    for part in text.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once(['-', '–'])?;
        out.push(Interval(ClockTime::parse(a.trim())?, ClockTime::parse(b.trim())?));
    }
    Some(out)
}

/// A policy as a row of the list.
#[derive(Debug, Clone)]
pub struct PolicyRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Departments, or "all".
    pub departments: String,
    /// Zone.
    pub time_zone: String,
    /// Applies.
    pub active: bool,
}

/// A department checkbox.
#[derive(Debug, Clone)]
pub struct DeptBox {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Ticked.
    pub checked: bool,
}

async fn dept_boxes(
    state: &WebState,
    s: &SignedIn,
    lang: crate::i18n::Lang,
    ticked: &[String],
) -> Result<Vec<DeptBox>, WebError> {
    let mut depts = state.desk.list_departments(&s.actor).await?;
    crate::view::choice::sort_departments(lang, &mut depts, |d| &d.department);
    Ok(depts
        .iter()
        .map(|d| DeptBox {
            id: d.department.id.0,
            name: d.department.name.clone(),
            checked: ticked.contains(&d.department.id.to_string()),
        })
        .collect())
}

fn zones(selected: &str) -> Vec<Choice> {
    tessera_core::sla::time_zone_names()
        .map(|z| Choice { value: z.to_string(), label: z.to_string(), selected: z == selected })
        .collect()
}

#[derive(Template)]
#[template(path = "admin_sla.html")]
struct PoliciesPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    rows: Vec<PolicyRow>,
    form: PolicyValues,
    departments: Vec<DeptBox>,
    zones: Vec<Choice>,
    errors: FormErrors,
}

async fn render_policies(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    form: PolicyValues,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", "/admin/sla");
    let depts = state.desk.list_departments(&s.actor).await?;
    let all = page.i.t("admin.sla.all_departments").to_string();
    let rows = state
        .desk
        .list_sla_policies(&s.actor)
        .await?
        .iter()
        .map(|r| PolicyRow {
            id: r.id.0,
            name: r.policy.name.clone(),
            departments: if r.policy.department_ids.is_empty() {
                all.clone()
            } else {
                r.policy
                    .department_ids
                    .iter()
                    .map(|id| {
                        depts
                            .iter()
                            .find(|d| d.department.id == *id)
                            .map_or_else(|| id.to_string(), |d| d.department.name.clone())
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            time_zone: r.policy.schedule.config().time_zone.clone(),
            active: r.active,
        })
        .collect();
    let departments = dept_boxes(state, s, page.i.lang, &form.department_ids).await?;
    let zones = zones(&form.time_zone);
    html_status(
        status_of(&errors),
        &PoliciesPage { nav: Nav::list("sla"), notice, rows, form, departments, zones, errors, page },
    )
}

/// The policies and a form for a new one.
pub async fn policies(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("created", "admin.sla.created"), ("deleted", "admin.sla.deleted")]);
    render_policies(&state, &headers, &s, PolicyValues::default(), FormErrors::default(), notice).await
}

/// Creates a policy.
pub async fn create_policy(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let values = PolicyValues::from_form(&form);
    let input = match values.input(&i) {
        Ok(input) => input,
        Err(errors) => return render_policies(&state, &headers, &s, values, errors, None).await,
    };
    match state.desk.create_sla_policy(&s.actor, input).await {
        Ok(_) => Ok(see_other("/admin/sla?done=created")),
        Err(e) => {
            let errors = form_errors(&i, e)?;
            render_policies(&state, &headers, &s, values, errors, None).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_sla_policy.html")]
struct PolicyPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    id: i64,
    title: String,
    form: PolicyValues,
    departments: Vec<DeptBox>,
    zones: Vec<Choice>,
    errors: FormErrors,
}

async fn render_policy(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    id: SlaPolicyId,
    form: Option<PolicyValues>,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", &format!("/admin/sla/{id}"));
    let record = state.desk.sla_policy(&s.actor, id).await?;
    let form = form.unwrap_or_else(|| PolicyValues::of(&record));
    let departments = dept_boxes(state, s, page.i.lang, &form.department_ids).await?;
    let zones = zones(&form.time_zone);
    html_status(
        status_of(&errors),
        &PolicyPage {
            nav: Nav::sub("sla"),
            notice,
            id: id.0,
            title: record.policy.name.clone(),
            form,
            departments,
            zones,
            errors,
            page,
        },
    )
}

/// One policy's form.
pub async fn policy(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("saved", "admin.sla.saved")]);
    render_policy(&state, &headers, &s, SlaPolicyId(id), None, FormErrors::default(), notice).await
}

/// Saves a policy.
pub async fn update_policy(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let id = SlaPolicyId(id);
    let values = PolicyValues::from_form(&form);
    let input = match values.input(&i) {
        Ok(input) => input,
        Err(errors) => return render_policy(&state, &headers, &s, id, Some(values), errors, None).await,
    };
    match state.desk.update_sla_policy(&s.actor, id, input).await {
        Ok(_) => Ok(see_other(&format!("/admin/sla/{id}?done=saved"))),
        Err(e) => {
            let errors = form_errors(&i, e)?;
            render_policy(&state, &headers, &s, id, Some(values), errors, None).await
        }
    }
}

/// Deletes a policy.
pub async fn delete_policy(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    state.desk.delete_sla_policy(&s.actor, SlaPolicyId(id)).await?;
    Ok(see_other("/admin/sla?done=deleted"))
}
