//! The agent's new-ticket page (`/agent/tickets/new`): opening a ticket for
//! a customer found or created by e-mail address, in one of the agent's
//! departments, with its custom fields (agent-only ones too), attachments,
//! and the panels of `TicketAdminAreaViewCreate` and
//! `TicketAdminAreaViewCreateSidebar`. The desk does the rest, exactly as
//! for `POST /api/v1/tickets`, validation hooks included.

use crate::WebState;
use crate::agent::{require_agent, split_tags, staff_users};
use crate::forms::Form;
use crate::i18n::Lang;
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::peer::{Peer, origin};
use crate::session::{self, Signed, SignedIn, check_csrf};
use crate::view::choice::{Choice, choices};
use crate::view::fields::{FieldInput, field_inputs, field_values};
use crate::view::messages::{human_size, upload_files};
use crate::view::panels::{self, PanelHtml};
use crate::view::{priority_label, service_label, status_label};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeMap;
use tessera_core::custom_field::FieldType;
use tessera_core::ids::{DepartmentId, ServiceId, TicketId, UserId};
use tessera_core::status::{StatusCategory, StatusKey};
use tessera_core::ticket::{Priority, Source, TicketType};
use tessera_core::{Department, Email};
use tessera_desk::{OpenTicket, RequesterInput};

/// Where a ticket comes from unless the agent says otherwise: most tickets
/// an agent types in are phone calls.
const DEFAULT_SOURCE: Source = Source::Phone;

/// The form's fields whose messages show next to them; a desk error on any
/// other input shows as the form's general alert.
const SHOWN: [&str; 14] = [
    "requester_email",
    "requester_name",
    "department_id",
    "subject",
    "body",
    "priority",
    "type",
    "status",
    "source",
    "assignee_id",
    "service_id",
    "tags",
    "attachments",
    "attachment_ids",
];

#[derive(Template)]
#[template(path = "agent_new.html")]
struct NewTicketPage {
    page: Page,
    departments: Vec<Choice>,
    /// The agent may open tickets in no department: the page says why.
    no_departments: bool,
    department_chosen: bool,
    requires_service: bool,
    fields: Vec<FieldInput>,
    email: String,
    name: String,
    subject: String,
    body: String,
    tags: String,
    note: bool,
    priorities: Vec<Choice>,
    types: Vec<Choice>,
    statuses: Vec<Choice>,
    sources: Vec<Choice>,
    agents: Vec<Choice>,
    services: Vec<Choice>,
    errors: FormErrors,
    max_files: usize,
    max_file_size: String,
    panels_create: Vec<PanelHtml>,
    panels_sidebar: Vec<PanelHtml>,
}

/// `?department=` of the new-ticket page.
#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    department: Option<i64>,
}

/// The departments the agent may open a ticket in (the desk's rule).
async fn departments(state: &WebState, s: &SignedIn, lang: Lang) -> Result<Vec<Department>, WebError> {
    let mut out = state.desk.departments_for_new_ticket(&s.actor).await?;
    crate::view::choice::sort_departments(lang, &mut out, |d| d);
    Ok(out)
}

async fn render(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    department: Option<i64>,
    form: Option<&Form>,
    mut errors: FormErrors,
) -> Result<Response, WebError> {
    // The page's own address (a refused form's page shows it, not the POST's).
    let here =
        department.map_or_else(|| "/agent/tickets/new".to_string(), |d| format!("/agent/tickets/new?department={d}"));
    let page = Page::new(state, headers, Some(s), "agent", &here);
    let i = page.i;
    let depts = departments(state, s, i.lang).await?;
    // The chosen department; the only one when there is one.
    let chosen = match department {
        Some(id) => depts.iter().find(|d| d.id.0 == id),
        None if depts.len() == 1 => depts.first(),
        None => None,
    };
    let chosen_id = chosen.map(|d| d.id.0);
    let (panels_create, panels_sidebar) = {
        let ctx = serde_json::json!({"department_id": chosen_id, "viewer": panels::viewer(s)});
        let key = format!("{}:{}", s.user.id, chosen_id.unwrap_or(0));
        futures_util::future::join(
            panels::fetch(state, "TicketAdminAreaViewCreate", ctx.clone(), &key),
            panels::fetch(state, "TicketAdminAreaViewCreateSidebar", ctx, &key),
        )
        .await
    };
    let value = |name: &str, default: &str| form.and_then(|f| f.get(name)).unwrap_or(default).to_string();

    // The department's custom fields, with what was typed (never a secret's).
    let defs = state.desk.custom_fields(&s.actor).await?;
    let mut raw: BTreeMap<String, Vec<String>> = form.map(|f| f.prefixed("cf.")).unwrap_or_default();
    raw.retain(|k, _| defs.iter().any(|d| &d.key == k && d.field_type != FieldType::Secret));
    let fields = chosen.map(|d| field_inputs(&i, &defs, d.id, true, &raw, &errors)).unwrap_or_default();
    // The desk names the requester's inputs `requester.email` and
    // `requester.name`; the form, `requester_email` and `requester_name`.
    for (from, to) in [("requester.email", "requester_email"), ("requester.name", "requester_name")] {
        if let Some(m) = errors.by_field.remove(from) {
            errors.add(to, m);
        }
    }
    // A message for an input the form does not show goes to the alert.
    let misplaced: Vec<String> = errors
        .by_field
        .keys()
        .filter(|k| {
            k.as_str() != "_"
                && !SHOWN.contains(&k.as_str())
                && !fields.iter().any(|f| k.strip_prefix("custom_fields.") == Some(f.key.as_str()))
        })
        .cloned()
        .collect();
    for k in misplaced {
        if let Some(m) = errors.by_field.remove(&k) {
            errors.add("_", m);
        }
    }

    // The requester's services, once the address is one of a known person.
    let email = value("requester_email", "");
    let requester = match Email::parse(&email) {
        Ok(e) => state.desk.user_by_email(&s.actor, &e).await?,
        Err(_) => None,
    };
    let mut service_items = vec![(String::new(), i.t("new.no_service").to_string())];
    if let Some(u) = &requester {
        service_items.extend(
            state
                .desk
                .list_services(&s.actor, Some(u.id))
                .await?
                .iter()
                .map(|sv| (sv.id.to_string(), service_label(sv))),
        );
    }

    let statuses = state.desk.statuses().await?;
    let mut type_items = vec![(String::new(), "—".to_string())];
    type_items.extend(
        TicketType::ALL.iter().map(|t| (t.as_str().to_string(), i.t(&format!("type.{}", t.as_str())).to_string())),
    );
    let mut agent_items = vec![(String::new(), i.t("create.assignee_auto").to_string())];
    agent_items.extend(staff_users(state, &s.actor, i.lang).await?.iter().map(|u| (u.id.to_string(), u.name.clone())));
    let mut dept_items = Vec::with_capacity(depts.len() + 1);
    if depts.len() != 1 {
        dept_items.push((String::new(), i.t("create.pick_department").to_string()));
    }
    dept_items.extend(depts.iter().map(|d| (d.id.to_string(), d.name.clone())));

    let status = errors.status();
    let limits = state.desk.limits();
    html_status(
        status,
        &NewTicketPage {
            departments: choices(dept_items, &chosen_id.map_or_else(String::new, |id| id.to_string())),
            no_departments: depts.is_empty(),
            department_chosen: chosen.is_some(),
            requires_service: chosen.is_some_and(|d| d.requires_service),
            fields,
            name: value("requester_name", ""),
            email,
            subject: value("subject", ""),
            body: value("body", ""),
            tags: value("tags", ""),
            note: form.is_some_and(|f| f.checked("note")),
            priorities: choices(
                Priority::ALL.iter().map(|p| (p.as_str().to_string(), priority_label(&i, *p))),
                &value("priority", Priority::Normal.as_str()),
            ),
            types: choices(type_items, &value("type", "")),
            statuses: choices(
                statuses
                    .iter()
                    .filter(|st| st.category != StatusCategory::Closed)
                    .map(|st| (st.key.to_string(), status_label(&i, &statuses, st.key.as_str()))),
                &value("status", StatusKey::NEW),
            ),
            sources: choices(
                Source::ALL
                    .iter()
                    .map(|src| (src.as_str().to_string(), i.t(&format!("source.{}", src.as_str())).to_string())),
                &value("source", DEFAULT_SOURCE.as_str()),
            ),
            agents: choices(agent_items, &value("assignee_id", "")),
            services: choices(service_items, &value("service_id", "")),
            errors,
            max_files: limits.max_attachments_per_message,
            max_file_size: human_size(i64::try_from(limits.max_attachment_bytes).unwrap_or(i64::MAX)),
            panels_create,
            panels_sidebar,
            page,
        },
    )
}

/// The new-ticket form.
pub async fn new_page(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<NewQuery>,
) -> Result<Response, WebError> {
    require_agent(&s)?;
    render(&state, &headers, &s, q.department, None, FormErrors::default()).await
}

/// Opens the ticket; or, for the form's "refresh" button (pressed by the
/// script when the department changes), shows the form again for the
/// department chosen, with everything typed kept.
pub async fn create(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    peer: Peer,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_agent(&s)?;
    let dept = form.id("department_id");
    if form.get("refresh").is_some() {
        return render(&state, &headers, &s, dept, Some(&form), FormErrors::default()).await;
    }
    let i = session::i18n_for(&headers, Some(&s));
    let mut errors = FormErrors::default();
    let requester = match form.text("requester_email") {
        None => {
            errors.add("requester_email", i.t("err.required").replace("{0}", i.t("field.email")));
            None
        }
        Some(raw) => match Email::parse(&raw) {
            Ok(email) => Some(RequesterInput { email, name: form.text("requester_name") }),
            Err(_) => {
                errors.add("requester_email", i.t("err.invalid_email").replace("{0}", i.t("field.email")));
                None
            }
        },
    };
    if dept.is_none() {
        errors.add("department_id", i.t("err.required").replace("{0}", i.t("field.department")));
    }
    // Only the chosen department's fields (the form may still hold another's).
    let defs = state.desk.custom_fields(&s.actor).await?;
    let mut raw = form.prefixed("cf.");
    raw.retain(|k, _| defs.iter().any(|d| &d.key == k && dept.is_some_and(|id| d.applies_to(DepartmentId(id)))));
    let custom_fields = field_values(&i, &defs, &raw, &mut errors);
    let attachment_ids =
        if errors.any() { vec![] } else { upload_files(&state, &s.actor, &i, &form.files, &mut errors).await };
    if !errors.any() {
        let mut input = OpenTicket::new(
            form.get("subject").unwrap_or_default(),
            DepartmentId(dept.unwrap_or(0)),
            form.get("body").unwrap_or_default(),
        );
        input.requester = requester;
        input.priority = form.get("priority").and_then(Priority::parse);
        input.ticket_type = form.get("type").and_then(TicketType::parse);
        input.status = form.text("status").filter(|k| k.as_str() != StatusKey::NEW).map(|k| StatusKey::new(&k));
        input.source = Some(form.get("source").and_then(Source::parse).unwrap_or(DEFAULT_SOURCE));
        input.assignee_id = form.id("assignee_id").map(UserId);
        input.service_id = form.id("service_id").map(ServiceId);
        input.tags = split_tags(form.get("tags").unwrap_or_default());
        input.first_message_is_note = form.checked("note");
        input.custom_fields = custom_fields;
        input.attachment_ids = attachment_ids;
        match state.desk.open_ticket(&s.actor, input, &origin(&peer)).await {
            // Agents open tickets only where they work (the desk's rule),
            // so the new ticket is theirs to see.
            Ok(d) => return Ok(see_other(&format!("/agent/tickets/{}?done=created", d.ticket.id))),
            Err(e) => errors = FormErrors::from_desk(&i, &e),
        }
    }
    render(&state, &headers, &s, dept, Some(&form), errors).await
}

/// What the ticket page says after the ticket was opened here: where it
/// went, and whether its department is one of the agent's (an admin may
/// open a ticket anywhere; an agent only in their departments).
pub async fn created_notice(state: &WebState, s: &SignedIn, i: &crate::i18n::I18n, id: TicketId) -> String {
    let Ok(t) = state.desk.ticket(&s.actor, id).await else {
        return i.t("done.created").to_string();
    };
    let name = match state.desk.department(&s.actor, t.department_id).await {
        Ok(d) => d.department.name,
        Err(_) => return i.t("done.created").to_string(),
    };
    if s.actor.department_ids.contains(&t.department_id) {
        i.t1("setup.created_in_mine", name)
    } else {
        i.t1("setup.created_in_other", name)
    }
}
