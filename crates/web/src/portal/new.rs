//! Opening a ticket: the department first, then its form (subject, the
//! message, files, a service, the custom fields the customer may set).

use crate::WebState;
use crate::forms::Form;
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::peer::{Peer, origin};
use crate::session::{self, Signed, check_csrf};
use crate::view::fields::{FieldInput, field_inputs, field_values};
use crate::view::messages::{human_size, upload_files};
use crate::view::panels::{self, PanelHtml};
use crate::view::{priority_label, service_label};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use tessera_core::Service;
use tessera_core::ids::{DepartmentId, ServiceId};
use tessera_core::ticket::Priority;
use tessera_desk::OpenTicket;

#[derive(Template)]
#[template(path = "portal_new.html")]
struct NewPage {
    page: Page,
    departments: Vec<(i64, String, String)>,
    department: Option<(i64, String, bool)>,
    fields: Vec<FieldInput>,
    services: Vec<(i64, String)>,
    subject: String,
    body: String,
    priority: String,
    service: i64,
    priorities: Vec<(&'static str, String)>,
    errors: FormErrors,
    max_files: usize,
    max_file_size: String,
    panels_create: Vec<PanelHtml>,
}

/// `?department=` of the new-ticket page.
#[derive(Debug, Deserialize)]
pub struct NewQuery {
    department: Option<i64>,
}

async fn render_new(
    state: &WebState,
    headers: &HeaderMap,
    s: &session::SignedIn,
    department: Option<i64>,
    form: Option<&Form>,
    errors: FormErrors,
) -> Result<Response, WebError> {
    // The page's own address (a refused form's page shows it, not the POST's).
    let here = department.map_or_else(|| "/tickets/new".to_string(), |d| format!("/tickets/new?department={d}"));
    let page = Page::new(state, headers, Some(s), "portal", &here);
    let i = page.i;
    let mut depts = state.desk.list_departments(&s.actor).await?;
    crate::view::choice::sort_departments(i.lang, &mut depts, |d| &d.department);
    let departments = depts
        .iter()
        .map(|d| (d.department.id.0, d.department.name.clone(), d.department.description.clone()))
        .collect();
    let chosen = department.and_then(|id| depts.iter().find(|d| d.department.id.0 == id));
    let defs = state.desk.custom_fields(&s.actor).await?;
    let raw = form.map(|f| f.prefixed("cf.")).unwrap_or_default();
    let fields = chosen.map(|d| field_inputs(&i, &defs, d.department.id, false, &raw, &errors)).unwrap_or_default();
    let services: Vec<Service> = state.desk.list_services(&s.actor, None).await?;
    let status = errors.status();
    let limits = state.desk.limits();
    let chosen_id = chosen.map(|d| d.department.id.0);
    let panels_create = panels::fetch(
        state,
        "TicketClientAreaViewCreate",
        serde_json::json!({"department_id": chosen_id, "viewer": panels::viewer(s)}),
        &format!("{}:{}", s.user.id, chosen_id.unwrap_or(0)),
    )
    .await;
    html_status(
        status,
        &NewPage {
            departments,
            department: chosen.map(|d| (d.department.id.0, d.department.name.clone(), d.department.requires_service)),
            fields,
            services: services.iter().map(|s| (s.id.0, service_label(s))).collect(),
            subject: form.and_then(|f| f.get("subject")).unwrap_or_default().to_string(),
            body: form.and_then(|f| f.get("body")).unwrap_or_default().to_string(),
            priority: form.and_then(|f| f.get("priority")).unwrap_or("normal").to_string(),
            service: form.and_then(|f| f.id("service_id")).unwrap_or(0),
            priorities: Priority::ALL.iter().map(|p| (p.as_str(), priority_label(&i, *p))).collect(),
            errors,
            max_files: limits.max_attachments_per_message,
            max_file_size: human_size(i64::try_from(limits.max_attachment_bytes).unwrap_or(i64::MAX)),
            panels_create,
            page,
        },
    )
}

/// The new-ticket page: the department first, then its form.
pub async fn new_page(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<NewQuery>,
) -> Result<Response, WebError> {
    if s.is_guest() {
        return Err(WebError::Forbidden);
    }
    render_new(&state, &headers, &s, q.department, None, FormErrors::default()).await
}

/// Opens a ticket.
pub async fn create(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    peer: Peer,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    if s.is_guest() {
        return Err(WebError::Forbidden);
    }
    let i = session::i18n_for(&headers, Some(&s));
    let dept = form.id("department_id");
    let mut errors = FormErrors::default();
    let defs = state.desk.custom_fields(&s.actor).await?;
    let custom_fields = field_values(&i, &defs, &form.prefixed("cf."), &mut errors);
    let priority = form.get("priority").and_then(Priority::parse);
    let attachment_ids =
        if errors.any() { vec![] } else { upload_files(&state, &s.actor, &i, &form.files, &mut errors).await };
    if !errors.any() {
        let mut input = OpenTicket::new(
            form.get("subject").unwrap_or_default(),
            DepartmentId(dept.unwrap_or(0)),
            form.get("body").unwrap_or_default(),
        );
        input.priority = priority;
        input.service_id = form.id("service_id").map(ServiceId);
        input.custom_fields = custom_fields;
        input.attachment_ids = attachment_ids;
        match state.desk.open_ticket(&s.actor, input, &origin(&peer)).await {
            Ok(d) => return Ok(see_other(&format!("/tickets/{}", d.ticket.number))),
            Err(e) => errors = FormErrors::from_desk(&i, &e),
        }
    }
    render_new(&state, &headers, &s, dept, Some(&form), errors).await
}
